//! Group sessions: the weekly video meetings, their scheduled work (due
//! rows run under a lease), RSVPs, attendance, check-ins with mood, and
//! members' calendar feeds. Events, notifications and flags may now name
//! a session or a check-in.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GroupSessions {
    Table,
    Id,
    GroupId,
    StartsAt,
    EndsAt,
    TimeZone,
    Status,
    VideoUrl,
    CancelReason,
    CreatedBy,
    CreatedAt,
    CheckInThreadId,
    ClosingThreadId,
}

#[derive(DeriveIden)]
enum SessionJobs {
    Table,
    Id,
    SessionId,
    GroupId,
    Kind,
    DueAt,
    DoneAt,
}

#[derive(DeriveIden)]
enum SessionRsvps {
    Table,
    SessionId,
    UserId,
    GroupId,
    Status,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SessionAttendance {
    Table,
    SessionId,
    UserId,
    GroupId,
    Status,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum CheckIns {
    Table,
    Id,
    SessionId,
    GroupId,
    UserId,
    Mood,
    Note,
    Risk,
    Visibility,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    UserId,
    Version,
    IncludeVideo,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    SessionId,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    SessionId,
}

#[derive(DeriveIden)]
enum Flags {
    Table,
    CheckInId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(GroupSessions::Table)
                .col(uuid(GroupSessions::Id).primary_key())
                .col(uuid(GroupSessions::GroupId))
                .col(timestamp_with_time_zone(GroupSessions::StartsAt))
                .col(timestamp_with_time_zone(GroupSessions::EndsAt))
                .col(string_len(GroupSessions::TimeZone, 64))
                .col(string_len(GroupSessions::Status, 16))
                .col(text_null(GroupSessions::VideoUrl))
                .col(text_null(GroupSessions::CancelReason))
                .col(uuid_null(GroupSessions::CreatedBy))
                .col(timestamp_with_time_zone(GroupSessions::CreatedAt))
                .col(uuid_null(GroupSessions::CheckInThreadId))
                .col(uuid_null(GroupSessions::ClosingThreadId))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_group_sessions_group_start")
                .table(GroupSessions::Table)
                .col(GroupSessions::GroupId)
                .col(GroupSessions::StartsAt)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SessionJobs::Table)
                .col(uuid(SessionJobs::Id).primary_key())
                .col(uuid(SessionJobs::SessionId))
                .col(uuid(SessionJobs::GroupId))
                .col(string_len(SessionJobs::Kind, 24))
                .col(timestamp_with_time_zone(SessionJobs::DueAt))
                .col(timestamp_with_time_zone_null(SessionJobs::DoneAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_session_jobs_due")
                .table(SessionJobs::Table)
                .col(SessionJobs::DoneAt)
                .col(SessionJobs::DueAt)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_session_jobs_session")
                .table(SessionJobs::Table)
                .col(SessionJobs::SessionId)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SessionRsvps::Table)
                .col(uuid(SessionRsvps::SessionId))
                .col(uuid(SessionRsvps::UserId))
                .col(uuid(SessionRsvps::GroupId))
                .col(string_len(SessionRsvps::Status, 16))
                .col(timestamp_with_time_zone(SessionRsvps::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(SessionRsvps::SessionId)
                        .col(SessionRsvps::UserId),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_session_rsvps_user")
                .table(SessionRsvps::Table)
                .col(SessionRsvps::UserId)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SessionAttendance::Table)
                .col(uuid(SessionAttendance::SessionId))
                .col(uuid(SessionAttendance::UserId))
                .col(uuid(SessionAttendance::GroupId))
                .col(string_len(SessionAttendance::Status, 16))
                .col(uuid_null(SessionAttendance::RecordedBy))
                .col(timestamp_with_time_zone(SessionAttendance::RecordedAt))
                .primary_key(
                    Index::create()
                        .col(SessionAttendance::SessionId)
                        .col(SessionAttendance::UserId),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_session_attendance_member")
                .table(SessionAttendance::Table)
                .col(SessionAttendance::GroupId)
                .col(SessionAttendance::UserId)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CheckIns::Table)
                .col(uuid(CheckIns::Id).primary_key())
                .col(uuid(CheckIns::SessionId))
                .col(uuid(CheckIns::GroupId))
                .col(uuid(CheckIns::UserId))
                .col(small_integer(CheckIns::Mood))
                .col(text_null(CheckIns::Note))
                .col(string_len_null(CheckIns::Risk, 16))
                .col(string_len(CheckIns::Visibility, 16))
                .col(timestamp_with_time_zone(CheckIns::CreatedAt))
                .col(timestamp_with_time_zone(CheckIns::UpdatedAt))
                .take(),
        )
        .await?;
        // One check-in per member per session.
        m.create_index(
            Index::create()
                .name("uq_check_ins_session_user")
                .table(CheckIns::Table)
                .col(CheckIns::SessionId)
                .col(CheckIns::UserId)
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_check_ins_member")
                .table(CheckIns::Table)
                .col(CheckIns::GroupId)
                .col(CheckIns::UserId)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarFeeds::Table)
                .col(uuid(CalendarFeeds::UserId).primary_key())
                .col(integer(CalendarFeeds::Version))
                .col(boolean(CalendarFeeds::IncludeVideo))
                .col(timestamp_with_time_zone(CalendarFeeds::UpdatedAt))
                .take(),
        )
        .await?;
        // One column per statement: SQLite adds one at a time.
        let mut col = uuid_null(Events::SessionId);
        m.alter_table(
            Table::alter()
                .table(Events::Table)
                .add_column(&mut col)
                .take(),
        )
        .await?;
        let mut col = uuid_null(Notifications::SessionId);
        m.alter_table(
            Table::alter()
                .table(Notifications::Table)
                .add_column(&mut col)
                .take(),
        )
        .await?;
        let mut col = uuid_null(Flags::CheckInId);
        m.alter_table(
            Table::alter()
                .table(Flags::Table)
                .add_column(&mut col)
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Flags::Table)
                .drop_column(Flags::CheckInId)
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Notifications::Table)
                .drop_column(Notifications::SessionId)
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Events::Table)
                .drop_column(Events::SessionId)
                .take(),
        )
        .await?;
        for t in [
            CalendarFeeds::Table.into_iden(),
            CheckIns::Table.into_iden(),
            SessionAttendance::Table.into_iden(),
            SessionRsvps::Table.into_iden(),
            SessionJobs::Table.into_iden(),
            GroupSessions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}

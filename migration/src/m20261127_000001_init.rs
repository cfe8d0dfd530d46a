//! The forum's tables. Indexes are shaped for the keyset pagination the API
//! does: each list's ORDER BY is a prefix-ordered index scan.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Handle,
    DisplayName,
    PasswordHash,
    ExternalSubject,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    Generation,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    Slug,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    GroupId,
    UserId,
    Role,
    JoinedAt,
    MutedUntil,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    Code,
    GroupId,
    Role,
    MaxUses,
    Uses,
    ExpiresAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Threads {
    Table,
    Id,
    GroupId,
    AuthorId,
    Title,
    Kind,
    Pinned,
    Locked,
    VisiblePosts,
    HiddenPosts,
    CreatedAt,
    LastActivityAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    ThreadId,
    GroupId,
    AuthorId,
    Body,
    ContentWarning,
    ReplyToId,
    State,
    CreatedAt,
    EditedAt,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    PostId,
    UserId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    GroupId,
    Kind,
    ThreadId,
    PostId,
    MemberId,
    FlagId,
    ActionId,
    ActorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Flags {
    Table,
    Id,
    PostId,
    GroupId,
    PostAuthorId,
    ReporterId,
    Reason,
    Source,
    Urgent,
    Status,
    Note,
    BodySnapshot,
    CreatedAt,
    ResolvedAt,
    ResolvedBy,
    ResolutionNote,
}

#[derive(DeriveIden)]
enum ModerationActions {
    Table,
    Id,
    GroupId,
    Action,
    ActorId,
    Reason,
    PostId,
    PostAuthorId,
    ThreadId,
    MemberId,
    CreatedAt,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .take()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(Alias::new(*c));
    }
    idx.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_len_uniq(Users::Handle, 64))
                .col(string_len(Users::DisplayName, 100))
                .col(string_null(Users::PasswordHash))
                .col(string_null(Users::ExternalSubject).unique_key())
                .col(string_len(Users::Role, 16))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(pk_uuid(Sessions::Id))
                .col(uuid(Sessions::UserId))
                .col(string_len(Sessions::TokenHash, 64))
                .col(integer(Sessions::Generation))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .foreign_key(&mut fk(
                    Sessions::Table,
                    Sessions::UserId,
                    Users::Table,
                    Users::Id,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index("idx_sessions_user", Sessions::Table, &["user_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table(Groups::Table)
                .col(pk_uuid(Groups::Id))
                .col(string_len_uniq(Groups::Slug, 64))
                .col(string_len(Groups::Name, 200))
                .col(text(Groups::Description))
                .col(timestamp_with_time_zone(Groups::CreatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(uuid(Memberships::GroupId))
                .col(uuid(Memberships::UserId))
                .col(string_len(Memberships::Role, 16))
                .col(timestamp_with_time_zone(Memberships::JoinedAt))
                .col(timestamp_with_time_zone_null(Memberships::MutedUntil))
                .primary_key(
                    Index::create()
                        .col(Memberships::GroupId)
                        .col(Memberships::UserId),
                )
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::GroupId,
                    Groups::Table,
                    Groups::Id,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::UserId,
                    Users::Table,
                    Users::Id,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        // Group.members and Viewer.groups, both ordered by (joined_at, other id).
        m.create_index(index(
            "idx_memberships_group_joined",
            Memberships::Table,
            &["group_id", "joined_at", "user_id"],
        ))
        .await?;
        m.create_index(index(
            "idx_memberships_user_joined",
            Memberships::Table,
            &["user_id", "joined_at", "group_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Invites::Table)
                .col(string_len(Invites::Code, 64).primary_key())
                .col(uuid(Invites::GroupId))
                .col(string_len(Invites::Role, 16))
                .col(integer(Invites::MaxUses))
                .col(integer(Invites::Uses))
                .col(timestamp_with_time_zone_null(Invites::ExpiresAt))
                .col(uuid_null(Invites::CreatedBy))
                .col(timestamp_with_time_zone(Invites::CreatedAt))
                .foreign_key(&mut fk(
                    Invites::Table,
                    Invites::GroupId,
                    Groups::Table,
                    Groups::Id,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Invites::Table,
                    Invites::CreatedBy,
                    Users::Table,
                    Users::Id,
                    SetNull,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Threads::Table)
                .col(pk_uuid(Threads::Id))
                .col(uuid(Threads::GroupId))
                .col(uuid_null(Threads::AuthorId))
                .col(string_len(Threads::Title, 800))
                .col(string_len(Threads::Kind, 16))
                .col(boolean(Threads::Pinned))
                .col(boolean(Threads::Locked))
                .col(integer(Threads::VisiblePosts))
                .col(integer(Threads::HiddenPosts))
                .col(timestamp_with_time_zone(Threads::CreatedAt))
                .col(timestamp_with_time_zone(Threads::LastActivityAt))
                .foreign_key(&mut fk(
                    Threads::Table,
                    Threads::GroupId,
                    Groups::Table,
                    Groups::Id,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Threads::Table,
                    Threads::AuthorId,
                    Users::Table,
                    Users::Id,
                    SetNull,
                ))
                .take(),
        )
        .await?;
        // Group.threads: pinned first, then latest activity.
        m.create_index(index(
            "idx_threads_group_order",
            Threads::Table,
            &["group_id", "pinned", "last_activity_at", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Posts::Table)
                .col(pk_uuid(Posts::Id))
                .col(uuid(Posts::ThreadId))
                .col(uuid(Posts::GroupId))
                .col(uuid_null(Posts::AuthorId))
                .col(text_null(Posts::Body))
                .col(string_len_null(Posts::ContentWarning, 800))
                .col(uuid_null(Posts::ReplyToId))
                .col(string_len(Posts::State, 16))
                .col(timestamp_with_time_zone(Posts::CreatedAt))
                .col(timestamp_with_time_zone_null(Posts::EditedAt))
                .foreign_key(&mut fk(
                    Posts::Table,
                    Posts::ThreadId,
                    Threads::Table,
                    Threads::Id,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Posts::Table,
                    Posts::AuthorId,
                    Users::Table,
                    Users::Id,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    Posts::Table,
                    Posts::ReplyToId,
                    Posts::Table,
                    Posts::Id,
                    SetNull,
                ))
                .take(),
        )
        .await?;
        // Thread.posts: ids are UUIDv7, so (thread_id, id) is creation order.
        m.create_index(index(
            "idx_posts_thread_id",
            Posts::Table,
            &["thread_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_posts_group_id",
            Posts::Table,
            &["group_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Reactions::Table)
                .col(uuid(Reactions::PostId))
                .col(uuid(Reactions::UserId))
                .col(string_len(Reactions::Kind, 16))
                .col(timestamp_with_time_zone(Reactions::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Reactions::PostId)
                        .col(Reactions::UserId)
                        .col(Reactions::Kind),
                )
                .foreign_key(&mut fk(
                    Reactions::Table,
                    Reactions::PostId,
                    Posts::Table,
                    Posts::Id,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Reactions::Table,
                    Reactions::UserId,
                    Users::Table,
                    Users::Id,
                    Cascade,
                ))
                .take(),
        )
        .await?;

        // The event log has no foreign keys: it records what happened even
        // after what it concerns is gone.
        m.create_table(
            Table::create()
                .table(Events::Table)
                .col(big_pk_auto(Events::Id))
                .col(uuid(Events::GroupId))
                .col(string_len(Events::Kind, 24))
                .col(uuid_null(Events::ThreadId))
                .col(uuid_null(Events::PostId))
                .col(uuid_null(Events::MemberId))
                .col(uuid_null(Events::FlagId))
                .col(uuid_null(Events::ActionId))
                .col(uuid_null(Events::ActorId))
                .col(timestamp_with_time_zone(Events::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_events_group_id",
            Events::Table,
            &["group_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_events_thread_id",
            Events::Table,
            &["thread_id", "id"],
        ))
        .await?;
        m.create_index(index("idx_events_created", Events::Table, &["created_at"]))
            .await?;

        m.create_table(
            Table::create()
                .table(Flags::Table)
                .col(pk_uuid(Flags::Id))
                .col(uuid(Flags::PostId))
                .col(uuid(Flags::GroupId))
                .col(uuid_null(Flags::PostAuthorId))
                .col(uuid_null(Flags::ReporterId))
                .col(string_len(Flags::Reason, 16))
                .col(string_len(Flags::Source, 16))
                .col(boolean(Flags::Urgent))
                .col(string_len(Flags::Status, 16))
                .col(text_null(Flags::Note))
                .col(text_null(Flags::BodySnapshot))
                .col(timestamp_with_time_zone(Flags::CreatedAt))
                .col(timestamp_with_time_zone_null(Flags::ResolvedAt))
                .col(uuid_null(Flags::ResolvedBy))
                .col(text_null(Flags::ResolutionNote))
                .foreign_key(&mut fk(
                    Flags::Table,
                    Flags::GroupId,
                    Groups::Table,
                    Groups::Id,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        // Review queue: status, URGENT first, oldest first.
        m.create_index(index(
            "idx_flags_queue",
            Flags::Table,
            &["group_id", "status", "urgent", "created_at", "id"],
        ))
        .await?;
        m.create_index(index("idx_flags_post", Flags::Table, &["post_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table(ModerationActions::Table)
                .col(pk_uuid(ModerationActions::Id))
                .col(uuid(ModerationActions::GroupId))
                .col(string_len(ModerationActions::Action, 24))
                .col(uuid_null(ModerationActions::ActorId))
                .col(text_null(ModerationActions::Reason))
                .col(uuid_null(ModerationActions::PostId))
                .col(uuid_null(ModerationActions::PostAuthorId))
                .col(uuid_null(ModerationActions::ThreadId))
                .col(uuid_null(ModerationActions::MemberId))
                .col(timestamp_with_time_zone(ModerationActions::CreatedAt))
                .foreign_key(&mut fk(
                    ModerationActions::Table,
                    ModerationActions::GroupId,
                    Groups::Table,
                    Groups::Id,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_modlog_group_id",
            ModerationActions::Table,
            &["group_id", "id"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ModerationActions::Table.into_iden(),
            Flags::Table.into_iden(),
            Events::Table.into_iden(),
            Reactions::Table.into_iden(),
            Posts::Table.into_iden(),
            Threads::Table.into_iden(),
            Invites::Table.into_iden(),
            Memberships::Table.into_iden(),
            Groups::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

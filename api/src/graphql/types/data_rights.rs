//! Data rights: the access audit, exports and account closures.
use super::*;
use entity::{access_event, account_closure, data_export};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::audit::AccessKind")]
pub enum AccessKind {
    /// Someone other than the author read a hidden post's text.
    HiddenPostBody,
    /// Someone other than the author read a flag's copy of their post.
    FlagSnapshot,
    /// Someone other than the member read their mood or check-in data.
    MoodData,
    /// Another member's export carried an excerpt of the member's post.
    DataExport,
    /// An admin who is not a member read the group, giving a reason.
    BreakGlass,
    /// An admin closed the member's account, giving a reason.
    AccountClosure,
}

/// One access to a member's data by someone else, or an admin's
/// break-glass read of a group.
pub struct AccessEvent(pub access_event::Model);

#[Object]
impl AccessEvent {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AccessEvent, self.0.id)
    }
    async fn kind(&self) -> AccessKind {
        service::audit::kind_of(&self.0).into()
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who accessed: their display name now ("Former member" once they
    /// closed their account; "Hearth" for the system).
    async fn actor_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(service::audit::actor_name(rc(ctx)?, self.0.actor_id).await?)
    }
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(|id| ids::encode(Kind::User, id))
    }
    /// Whose data; null for a break-glass read of a whole group.
    async fn subject_id(&self) -> Option<ID> {
        self.0.subject_id.map(|id| ids::encode(Kind::User, id))
    }
    async fn group_id(&self) -> Option<ID> {
        self.0.group_id.map(|id| ids::encode(Kind::Group, id))
    }
    async fn post_id(&self) -> Option<ID> {
        self.0.post_id.map(|id| ids::encode(Kind::Post, id))
    }
    async fn flag_id(&self) -> Option<ID> {
        self.0.flag_id.map(|id| ids::encode(Kind::Flag, id))
    }
    /// The reason an admin gave (`X-Hearth-Access-Reason`, or a closure's).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

#[derive(InputObject, Default)]
pub struct AccessAuditFilter {
    pub actor_id: Option<ID>,
    pub subject_id: Option<ID>,
    pub group_id: Option<ID>,
    pub kind: Option<AccessKind>,
    /// From this time, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Up to this time, exclusive.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DataExportStatus {
    Pending,
    Ready,
    Expired,
    Failed,
}

pub struct DataExport(pub data_export::Model);

#[Object]
impl DataExport {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::DataExport, self.0.id)
    }
    async fn status(&self) -> DataExportStatus {
        use service::exports::Status;
        match service::exports::status(&self.0) {
            Status::Pending => DataExportStatus::Pending,
            Status::Ready => DataExportStatus::Ready,
            Status::Expired => DataExportStatus::Expired,
            Status::Failed => DataExportStatus::Failed,
        }
    }
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
    async fn ready_at(&self) -> Option<DateTime<Utc>> {
        self.0.ready_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// While READY: a path on this server to GET with the same bearer
    /// token (`Authorization: Bearer …`); it answers the JSON archive.
    async fn download_url(&self) -> Option<String> {
        (service::exports::status(&self.0) == service::exports::Status::Ready).then(|| {
            format!(
                "/exports/{}",
                ids::encode(Kind::DataExport, self.0.id).as_str()
            )
        })
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AccountClosureMode {
    /// Posts stay, attributed to "Former member"; everything that
    /// identifies the member goes.
    Anonymize,
    /// As ANONYMIZE, and every post becomes a tombstone and reactions go.
    Erase,
}

impl AccountClosureMode {
    pub fn name(self) -> &'static str {
        match self {
            AccountClosureMode::Anonymize => crate::domain::closure::ANONYMIZE,
            AccountClosureMode::Erase => crate::domain::closure::ERASE,
        }
    }
}

#[derive(InputObject)]
pub struct CloseAccountInput {
    pub mode: AccountClosureMode,
    /// Required for accounts that sign in with a password.
    pub password: Option<String>,
}

#[derive(InputObject)]
pub struct CloseAccountAsAdminInput {
    pub user_id: ID,
    pub mode: AccountClosureMode,
    /// Kept in the access audit.
    pub reason: String,
}

pub struct AccountClosure(pub account_closure::Model);

#[Object]
impl AccountClosure {
    async fn mode(&self) -> AccountClosureMode {
        if self.0.mode == crate::domain::closure::ERASE {
            AccountClosureMode::Erase
        } else {
            AccountClosureMode::Anonymize
        }
    }
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
    /// When it is carried out, unless cancelled first.
    async fn scheduled_for(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }
}

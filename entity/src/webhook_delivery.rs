use sea_orm::entity::prelude::*;

/// One webhook to one endpoint, with its attempts. Its id is the
/// `webhook-id` the receiver sees on every attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The event kind, or `PING`.
    pub kind: String,
    /// The JSON body, as signed.
    pub payload: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    /// While pending: when the next attempt is due.
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub response_code: Option<i32>,
    pub duration_ms: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

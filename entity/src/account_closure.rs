use sea_orm::entity::prelude::*;

/// A request to close an account, carried out when `due_at` comes unless
/// cancelled first. At most one is pending per account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_closures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// "anonymize" or "erase".
    pub mode: String,
    /// An admin's reason, when an admin closed the account.
    pub reason: Option<String>,
    pub requested_by: Uuid,
    pub requested_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// Where an integrator receives webhooks.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: String,
    /// `whsec_` and base64: the key deliveries are signed with.
    pub secret: String,
    /// The event kinds it receives, comma-separated.
    pub events: String,
    /// A JSON array of the group ids it is limited to; None for all.
    pub group_ids: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// Set when it stopped receiving (410 Gone, or failing too long).
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    /// Since when every attempt to it has failed.
    pub failing_since: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

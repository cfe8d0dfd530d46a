//! Crisis checks: risk levels and support resources.
use super::*;

/// Somewhere to turn for help (from deployment config).
pub struct SupportResource(pub crisis::SupportResource);

#[Object]
impl SupportResource {
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RiskLevel {
    None,
    Elevated,
    Urgent,
}

impl From<Risk> for RiskLevel {
    fn from(r: Risk) -> Self {
        match r {
            Risk::None => RiskLevel::None,
            Risk::Elevated => RiskLevel::Elevated,
            Risk::Urgent => RiskLevel::Urgent,
        }
    }
}

/// What the crisis check makes of a draft. Nothing is stored or sent.
#[derive(SimpleObject)]
pub struct DraftCheck {
    pub risk: RiskLevel,
    pub support_resources: Vec<SupportResource>,
}

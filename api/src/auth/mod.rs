//! Authentication: password hashing, access tokens (JWT) and refresh tokens.
pub mod calendar;
pub mod cursor;
pub mod jwt;
pub mod password;
pub mod refresh;
pub mod session_cache;

use entity::enums::PlatformRole;
use uuid::Uuid;

/// The signed-in person, as read from the database on this request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub id: Uuid,
    pub role: PlatformRole,
    /// When the access token expires (Unix seconds): a WebSocket closes then.
    pub token_expires_at: i64,
    /// The account has a closure pending: it may only look at the closure
    /// and cancel it.
    pub closing: bool,
    /// An admin's `X-Hearth-Access-Reason`: with one, an admin may read a
    /// group they are not a member of, and the read is audited.
    pub access_reason: Option<String>,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == PlatformRole::Admin
    }
}

/// Who is calling. A token that fails to verify is remembered, so that a
/// field needing a viewer can say why rather than only "sign in".
#[derive(Debug, Clone)]
pub enum Auth {
    Anonymous,
    Rejected(String),
    Viewer(Viewer),
}

impl Auth {
    /// Attaches a break-glass reason to an admin viewer; ignored for
    /// anyone else.
    pub fn with_access_reason(mut self, raw: Option<&str>) -> Self {
        if let (Auth::Viewer(v), Some(raw)) = (&mut self, raw) {
            if v.is_admin() {
                v.access_reason = crate::domain::audit::access_reason(raw);
            }
        }
        self
    }

    pub fn viewer(&self) -> Option<&Viewer> {
        match self {
            Auth::Viewer(v) => Some(v),
            _ => None,
        }
    }
}

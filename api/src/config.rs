use crate::store::limits::Limit;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExternalAlgorithm {
    Rs256,
    Es256,
}

/// Every setting is a CLI flag and an environment variable; the README lists
/// them all with their defaults.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "HEARTH_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub addr: String,
    /// Directory for the embedded database, the generated JWT secret and the
    /// embedded search index.
    #[arg(long, env = "HEARTH_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// postgres://… or sqlite://…; unset means SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Apply pending migrations at start-up. Always on for the embedded
    /// SQLite default; for Postgres, run `hearth migrate` or set this.
    #[arg(long, env = "HEARTH_MIGRATE", global = true)]
    pub migrate: bool,
    /// Database connection pool size.
    #[arg(long, env = "HEARTH_DB_POOL", default_value_t = 10, global = true)]
    pub db_pool: u32,
    /// Redis for pub/sub between instances; unset means an in-process bus.
    #[arg(long, env = "REDIS_URL", global = true)]
    pub redis_url: Option<String>,
    /// Meilisearch for search; unset means the embedded index.
    #[arg(long, env = "MEILISEARCH_URL", global = true)]
    pub meilisearch_url: Option<String>,
    #[arg(
        long,
        env = "MEILISEARCH_API_KEY",
        hide_env_values = true,
        global = true
    )]
    pub meilisearch_api_key: Option<Secret>,
    /// Meilisearch index that holds the posts.
    #[arg(
        long,
        env = "HEARTH_MEILISEARCH_INDEX",
        default_value = "hearth_posts",
        global = true
    )]
    pub meilisearch_index: String,
    /// Seconds an instance holds the search indexer lease without renewing
    /// it; another instance takes over after that.
    #[arg(long, env = "HEARTH_SEARCH_LEASE", default_value_t = 10, global = true)]
    pub search_lease: u64,
    /// Whether this instance may drain the search queue. Instances that
    /// only serve still search the shared index.
    #[arg(
        long,
        env = "HEARTH_SEARCH_INDEXER",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub search_indexer: bool,
    /// Most queued post changes the indexer applies in one batch.
    #[arg(
        long,
        env = "HEARTH_SEARCH_BATCH",
        default_value_t = 500,
        global = true
    )]
    pub search_batch: u64,
    /// HS256 secret for access tokens. Unset: a random one is generated once
    /// and kept in the data directory.
    #[arg(long, env = "HEARTH_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<Secret>,
    /// PEM public key of an external identity provider (RS256 or ES256).
    #[arg(long, env = "HEARTH_JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<PathBuf>,
    #[arg(
        long,
        env = "HEARTH_JWT_ALGORITHM",
        value_enum,
        default_value = "rs256",
        global = true
    )]
    pub jwt_algorithm: ExternalAlgorithm,
    /// Required `iss` of external tokens.
    #[arg(long, env = "HEARTH_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// Required `aud` of external tokens.
    #[arg(long, env = "HEARTH_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// Lifetime of access tokens, in seconds.
    #[arg(
        long,
        env = "HEARTH_ACCESS_TOKEN_TTL",
        default_value_t = 900,
        global = true
    )]
    pub access_token_ttl: i64,
    /// Lifetime of a login session (refresh token family), in days.
    #[arg(
        long,
        env = "HEARTH_SESSION_TTL_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub session_ttl_days: i64,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "HEARTH_BODY_LIMIT", default_value_t = 64 * 1024, global = true)]
    pub body_limit: usize,
    /// Deepest accepted query nesting.
    #[arg(long, env = "HEARTH_MAX_DEPTH", default_value_t = 15, global = true)]
    pub max_depth: usize,
    /// Highest accepted query cost; a list costs its page size times its fields.
    #[arg(
        long,
        env = "HEARTH_MAX_COMPLEXITY",
        default_value_t = 5000,
        global = true
    )]
    pub max_complexity: usize,
    /// Flags one member may raise per 24 hours.
    #[arg(
        long,
        env = "HEARTH_FLAG_RATE_LIMIT",
        default_value_t = 20,
        global = true
    )]
    pub flag_rate_limit: u32,
    /// Listen address of the Prometheus `/metrics` endpoint, apart from the
    /// API so that it is never public by accident; `off` disables it.
    #[arg(
        long,
        env = "HEARTH_METRICS_ADDR",
        default_value = "127.0.0.1:9464",
        global = true
    )]
    pub metrics_addr: String,
    /// Failed logins allowed per handle, as COUNT/WINDOW.
    #[arg(
        long,
        env = "HEARTH_LIMIT_LOGIN_HANDLE",
        default_value = "10/15m",
        global = true
    )]
    pub limit_login_handle: Limit,
    /// Failed logins allowed per client address, as COUNT/WINDOW.
    #[arg(
        long,
        env = "HEARTH_LIMIT_LOGIN_ADDRESS",
        default_value = "30/15m",
        global = true
    )]
    pub limit_login_address: Limit,
    /// Registrations allowed per client address, as COUNT/WINDOW.
    #[arg(
        long,
        env = "HEARTH_LIMIT_REGISTER_ADDRESS",
        default_value = "5/1h",
        global = true
    )]
    pub limit_register_address: Limit,
    /// Proxies (addresses or CIDR ranges, comma-separated) whose
    /// X-Forwarded-For is believed; from anyone else it is ignored.
    #[arg(
        long,
        env = "HEARTH_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_net,
        global = true
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `checkDraft` calls one member may make per minute; 0: no limit.
    #[arg(
        long,
        env = "HEARTH_DRAFT_CHECK_RATE",
        default_value_t = 60,
        global = true
    )]
    pub draft_check_rate: u32,
    /// JSON list of support resources shown to a member whose words suggest
    /// risk (`[{"title", "description", "url", "phone"}]`). Unset: the
    /// built-in list.
    #[arg(long, env = "HEARTH_SUPPORT_RESOURCES", global = true)]
    pub support_resources: Option<PathBuf>,
    /// JSON `{"self": [...], "others": [...], "elevated": [...]}` of extra
    /// crisis frames (regular expressions over the canonical text) added to
    /// the built-in lexicon.
    #[arg(long, env = "HEARTH_CRISIS_LEXICON", global = true)]
    pub crisis_lexicon: Option<PathBuf>,
    /// Days the event log keeps events; an older resume cursor must refetch.
    #[arg(
        long,
        env = "HEARTH_EVENT_RETENTION_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub event_retention_days: i64,
    /// Events a live subscription may fall behind by before it is ended
    /// with an error telling the client to resume from its last cursor.
    #[arg(
        long,
        env = "HEARTH_SUBSCRIPTION_BUFFER",
        default_value_t = 4096,
        global = true
    )]
    pub subscription_buffer: usize,
    /// Seconds a WebSocket may wait before `connection_init` (then 4408).
    #[arg(
        long,
        env = "HEARTH_WS_INIT_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub ws_init_timeout: u64,
    /// Subscriptions one WebSocket connection may hold open.
    #[arg(
        long,
        env = "HEARTH_WS_MAX_SUBSCRIPTIONS",
        default_value_t = 50,
        global = true
    )]
    pub ws_max_subscriptions: usize,
    /// WebSocket connections one user may hold open.
    #[arg(
        long,
        env = "HEARTH_WS_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub ws_max_connections: usize,
    /// Seconds between re-checks of a WebSocket's session and role: a
    /// logged-out session or changed role closes the connection.
    #[arg(long, env = "HEARTH_WS_RECHECK", default_value_t = 60, global = true)]
    pub ws_recheck: u64,
    /// Seconds between keep-alive pings on a WebSocket.
    #[arg(long, env = "HEARTH_WS_KEEPALIVE", default_value_t = 15, global = true)]
    pub ws_keepalive: u64,
    /// HTTP worker threads; unset means one per core.
    #[arg(long, env = "HEARTH_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Log format.
    #[arg(
        long,
        env = "HEARTH_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
}

impl Config {
    /// Settings for tests and tools: defaults, no environment.
    pub fn for_tests(data_dir: PathBuf, database_url: Option<String>) -> Self {
        Config {
            addr: "127.0.0.1:0".into(),
            data_dir,
            database_url,
            migrate: true,
            db_pool: 5,
            redis_url: None,
            meilisearch_url: None,
            meilisearch_api_key: None,
            meilisearch_index: "hearth_posts".into(),
            search_lease: 10,
            search_batch: 500,
            search_indexer: true,
            jwt_secret: None,
            jwt_public_key_file: None,
            jwt_algorithm: ExternalAlgorithm::Rs256,
            jwt_issuer: None,
            jwt_audience: None,
            access_token_ttl: 900,
            session_ttl_days: 30,
            body_limit: 64 * 1024,
            max_depth: 15,
            max_complexity: 5000,
            flag_rate_limit: 20,
            metrics_addr: "127.0.0.1:0".into(),
            // Every test client is 127.0.0.1: per-address limits would make
            // tests interfere. The limit tests set their own.
            limit_login_handle: Limit {
                count: 10,
                window: std::time::Duration::from_secs(900),
            },
            limit_login_address: Limit {
                count: 100_000,
                window: std::time::Duration::from_secs(60),
            },
            limit_register_address: Limit {
                count: 100_000,
                window: std::time::Duration::from_secs(60),
            },
            trusted_proxies: Vec::new(),
            draft_check_rate: 60,
            support_resources: None,
            crisis_lexicon: None,
            event_retention_days: 30,
            subscription_buffer: 4096,
            ws_init_timeout: 10,
            ws_max_subscriptions: 50,
            ws_max_connections: 10,
            ws_keepalive: 15,
            ws_recheck: 60,
            workers: Some(1),
            log_format: LogFormat::Text,
        }
    }

    pub fn is_embedded_db(&self) -> bool {
        self.database_url
            .as_deref()
            .is_none_or(|u| u.starts_with("sqlite:"))
    }
}

/// An address or a CIDR range.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is not an IP address or CIDR range"))
}

/// A value that must never reach a log: `Debug` shows only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

#[cfg(test)]
mod secret_tests {
    #[test]
    fn debug_never_shows_a_secret() {
        let mut c = super::Config::for_tests(std::env::temp_dir(), None);
        c.jwt_secret = Some("hunter2-very-secret".into());
        c.meilisearch_api_key = Some("meili-master-key".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("meili-master-key"), "{shown}");
        assert!(shown.contains("Secret(..)"));
    }
}

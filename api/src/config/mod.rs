mod secret;

use crate::store::limits::Limit;
use clap::{Args, ValueEnum};
use secret::redact_url;
pub use secret::Secret;
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

/// Every setting is a CLI flag and an environment variable, grouped by
/// concern; each default is written once, on its flag, and the README lists
/// them all. Numbers are range-checked when parsed.
#[derive(Debug, Clone, Args)]
pub struct Config {
    #[command(flatten, next_help_heading = "Server")]
    pub server: ServerConfig,
    #[command(flatten, next_help_heading = "Storage and bus")]
    pub store: StoreConfig,
    #[command(flatten, next_help_heading = "Search")]
    pub search: SearchConfig,
    #[command(flatten, next_help_heading = "Authentication")]
    pub auth: AuthConfig,
    #[command(flatten, next_help_heading = "Abuse limits")]
    pub limits: LimitsConfig,
    #[command(flatten, next_help_heading = "Live updates")]
    pub live: LiveConfig,
    #[command(flatten, next_help_heading = "Member safety")]
    pub safety: SafetyConfig,
    #[command(flatten, next_help_heading = "Push and outbound requests")]
    pub push: PushConfig,
    #[command(flatten, next_help_heading = "Data rights")]
    pub data: DataConfig,
    #[command(flatten, next_help_heading = "Group sessions")]
    pub sessions: SessionsConfig,
    #[command(flatten, next_help_heading = "Webhooks")]
    pub webhooks: WebhookConfig,
}

#[derive(Debug, Clone, Args)]
pub struct WebhookConfig {
    /// Seconds between a failed delivery attempt and the next, one per
    /// retry, comma-separated: seven attempts over about eight and a half
    /// hours by default.
    #[arg(long, env = "HEARTH_WEBHOOK_RETRY_SECONDS", default_value = "10,60,300,1800,7200,21600", value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..=604_800), global = true)]
    pub webhook_retry_seconds: Vec<u64>,
    /// Hours an endpoint may fail every attempt before it is disabled.
    #[arg(long, env = "HEARTH_WEBHOOK_DISABLE_AFTER_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=720), global = true)]
    pub webhook_disable_after_hours: u64,
    /// The same in seconds, overriding the hours: for tests.
    #[arg(long, env = "HEARTH_WEBHOOK_DISABLE_AFTER_SECONDS", value_parser = clap::value_parser!(u64).range(1..=2_592_000), global = true)]
    pub webhook_disable_after_seconds: Option<u64>,
    /// Seconds a receiver has to answer one attempt.
    #[arg(long, env = "HEARTH_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=60), global = true)]
    pub webhook_timeout_seconds: u64,
    /// Seconds the sender's lease lasts unrenewed; another instance takes
    /// over the sending after.
    #[arg(long, env = "HEARTH_WEBHOOK_LEASE_SECONDS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(2..=600), global = true)]
    pub webhook_lease_seconds: u64,
    /// Whether this instance may send webhooks (`false`: it only queues
    /// them, for the instances that do).
    #[arg(long, env = "HEARTH_WEBHOOK_SENDER", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub webhook_sender: bool,
}

impl WebhookConfig {
    pub fn disable_after(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            self.webhook_disable_after_seconds
                .unwrap_or(self.webhook_disable_after_hours * 3600) as i64,
        )
    }
}

#[derive(Debug, Clone, Args)]
pub struct SessionsConfig {
    /// Hours before a session that check-ins open, with its CHECK_IN thread.
    #[arg(long, env = "HEARTH_CHECKIN_LEAD_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(0..=168), global = true)]
    pub checkin_lead_hours: u64,
    /// The same lead in seconds, overriding the hours: for tests.
    #[arg(long, env = "HEARTH_CHECKIN_LEAD_SECONDS", value_parser = clap::value_parser!(u64).range(0..=604_800), global = true)]
    pub checkin_lead_seconds: Option<u64>,
    /// Seconds before a session that members get a SESSION_REMINDER, comma
    /// separated. A reminder whose time has already passed when the
    /// session is scheduled is not sent.
    #[arg(long, env = "HEARTH_SESSION_REMINDERS", default_value = "86400,3600", value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..=2_592_000), global = true)]
    pub session_reminders: Vec<u64>,
    /// Seconds that one minute of `durationMinutes` lasts: 60. Tests set
    /// fewer, to see sessions end in seconds.
    #[arg(long, env = "HEARTH_SESSION_MINUTE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=60), global = true)]
    pub session_minute_seconds: u64,
    /// Days after a session ends during which attendance may be recorded.
    #[arg(long, env = "HEARTH_ATTENDANCE_WINDOW_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u64).range(0..=365), global = true)]
    pub attendance_window_days: u64,
}

impl SessionsConfig {
    pub fn checkin_lead(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            self.checkin_lead_seconds
                .unwrap_or(self.checkin_lead_hours * 3600) as i64,
        )
    }

    pub fn reminders(&self) -> Vec<chrono::Duration> {
        let mut r: Vec<u64> = self.session_reminders.clone();
        r.sort_unstable();
        r.dedup();
        r.into_iter()
            .map(|s| chrono::Duration::seconds(s as i64))
            .collect()
    }

    pub fn minute(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.session_minute_seconds as i64)
    }

    pub fn attendance_window(&self) -> chrono::Duration {
        chrono::Duration::days(self.attendance_window_days as i64)
    }
}

#[derive(Debug, Clone, Args)]
pub struct DataConfig {
    /// Days between a member closing their account and the closure being
    /// carried out; they may cancel until then.
    #[arg(long, env = "HEARTH_CLOSURE_GRACE_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u64).range(0..=365), global = true)]
    pub closure_grace_days: u64,
    /// The same period in seconds, overriding the days: for tests.
    #[arg(long, env = "HEARTH_CLOSURE_GRACE_SECONDS", value_parser = clap::value_parser!(u64).range(0..=31_536_000), global = true)]
    pub closure_grace_seconds: Option<u64>,
    /// Days the access audit is kept (six years by default).
    #[arg(long, env = "HEARTH_AUDIT_RETENTION_DAYS", default_value_t = 2190, value_parser = clap::value_parser!(u64).range(1..=36_500), global = true)]
    pub audit_retention_days: u64,
    /// Seconds within which the same person's same access (the same
    /// post, flag or group, for the same reason) is recorded once per
    /// instance: a facilitator re-reading a page leaves one entry, not one
    /// per refresh. 0 records every read.
    #[arg(long, env = "HEARTH_AUDIT_COALESCE_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=3600), global = true)]
    pub audit_coalesce_seconds: u64,
    /// Hours an export stays downloadable; also the least time between
    /// two exports of one member.
    #[arg(long, env = "HEARTH_EXPORT_TTL_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=720), global = true)]
    pub export_ttl_hours: u64,
    /// Days between an admin deleting a group and its purge, during which
    /// members can export their data.
    #[arg(long, env = "HEARTH_GROUP_DELETION_DAYS", default_value_t = 14, value_parser = clap::value_parser!(u64).range(0..=365), global = true)]
    pub group_deletion_days: u64,
    /// The same period in seconds, overriding the days: for tests.
    #[arg(long, env = "HEARTH_GROUP_DELETION_SECONDS", value_parser = clap::value_parser!(u64).range(0..=31_536_000), global = true)]
    pub group_deletion_seconds: Option<u64>,
    /// Seconds between sweeps for groups' retention and the audit's.
    #[arg(long, env = "HEARTH_RETENTION_SWEEP_SECONDS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=86_400), global = true)]
    pub retention_sweep_seconds: u64,
}

impl DataConfig {
    fn period(days: u64, seconds: Option<u64>) -> chrono::Duration {
        let secs = seconds.unwrap_or(days.saturating_mul(86_400));
        chrono::Duration::seconds(
            i64::try_from(secs)
                .unwrap_or(i64::MAX / 1000)
                .min(86_400 * 36_500),
        )
    }

    pub fn closure_grace(&self) -> chrono::Duration {
        Self::period(self.closure_grace_days, self.closure_grace_seconds)
    }

    pub fn group_deletion_grace(&self) -> chrono::Duration {
        Self::period(self.group_deletion_days, self.group_deletion_seconds)
    }

    pub fn export_ttl(&self) -> chrono::Duration {
        chrono::Duration::hours(self.export_ttl_hours as i64)
    }

    pub fn audit_retention(&self) -> chrono::Duration {
        chrono::Duration::days(self.audit_retention_days as i64)
    }
}

#[derive(Debug, Clone, Args)]
pub struct PushConfig {
    /// The VAPID private key (RFC 8292): a file holding the raw P-256
    /// scalar, base64url. Unset: `<data dir>/vapid_private_key`, generated
    /// on first start.
    #[arg(long, env = "HEARTH_VAPID_PRIVATE_KEY_FILE", global = true)]
    pub vapid_private_key_file: Option<PathBuf>,
    /// The contact push services see in each push's VAPID token (`mailto:`
    /// or `https:`).
    #[arg(
        long,
        env = "HEARTH_VAPID_SUBJECT",
        default_value = "mailto:push@hearth.invalid",
        global = true
    )]
    pub vapid_subject: String,
    /// Pushes in flight at once.
    #[arg(long, env = "HEARTH_PUSH_CONCURRENCY", default_value_t = 16, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256), global = true)]
    pub push_concurrency: usize,
    /// Lets push endpoints (and other addresses users give) be plain http
    /// or private, loopback and link-local addresses. For tests and closed
    /// networks only: otherwise a user could make Hearth call into its own
    /// network.
    #[arg(long, env = "HEARTH_OUTBOUND_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub outbound_allow_private: bool,
}

fn positive_u64() -> clap::builder::RangedU64ValueParser<u64> {
    clap::builder::RangedU64ValueParser::new().range(1..)
}

fn positive_usize() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..)
}

#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// The address clients reach this server at (`https://hearth.example`):
    /// links Hearth hands out, such as calendar feeds, are absolute with
    /// it. Unset, they are paths on this server.
    #[arg(long, env = "HEARTH_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Address to listen on.
    #[arg(
        long,
        env = "HEARTH_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub addr: String,
    /// Listen address of the Prometheus `/metrics` endpoint, apart from the
    /// API so that it is never public by accident; `off` disables it.
    #[arg(
        long,
        env = "HEARTH_METRICS_ADDR",
        default_value = "127.0.0.1:9464",
        global = true
    )]
    pub metrics_addr: String,
    /// HTTP worker threads; unset means one per core.
    #[arg(long, env = "HEARTH_WORKERS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024), global = true)]
    pub workers: Option<usize>,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "HEARTH_BODY_LIMIT", default_value_t = 64 * 1024, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1024..=16 * 1024 * 1024), global = true)]
    pub body_limit: usize,
    /// Deepest accepted query nesting.
    #[arg(long, env = "HEARTH_MAX_DEPTH", default_value_t = 15, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=64), global = true)]
    pub max_depth: usize,
    /// Highest accepted query cost; a list costs its page size times its fields.
    #[arg(
        long,
        env = "HEARTH_MAX_COMPLEXITY",
        default_value_t = 5000,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(10..=1_000_000),
        global = true
    )]
    pub max_complexity: usize,
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

#[derive(Clone, Args)]
pub struct StoreConfig {
    /// Directory for the embedded database, the generated JWT secret and the
    /// embedded search index.
    #[arg(long, env = "HEARTH_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// postgres://… or sqlite://…; unset means SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,
    /// Apply pending migrations at start-up. Always on for the embedded
    /// SQLite default; for Postgres, run `hearth migrate` or set this.
    #[arg(long, env = "HEARTH_MIGRATE", global = true)]
    pub migrate: bool,
    /// Database connection pool size.
    #[arg(long, env = "HEARTH_DB_POOL", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub db_pool: u32,
    /// Redis for pub/sub between instances; unset means an in-process bus.
    #[arg(long, env = "REDIS_URL", hide_env_values = true, global = true)]
    pub redis_url: Option<String>,
    /// Days the event log keeps events; an older resume cursor must refetch.
    #[arg(
        long,
        env = "HEARTH_EVENT_RETENTION_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(i64).range(1..=3650),
        global = true
    )]
    pub event_retention_days: i64,
    /// Seconds between vacuums of the busiest tables, on a Postgres whose
    /// autovacuum is off (see `store::upkeep`); 0 never.
    #[arg(
        long,
        env = "HEARTH_DB_UPKEEP_SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(0..=86_400),
        global = true
    )]
    pub db_upkeep_seconds: u64,
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("migrate", &self.migrate)
            .field("db_pool", &self.db_pool)
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("event_retention_days", &self.event_retention_days)
            .field("db_upkeep_seconds", &self.db_upkeep_seconds)
            .finish()
    }
}

impl StoreConfig {
    pub fn is_embedded_db(&self) -> bool {
        self.database_url
            .as_deref()
            .is_none_or(|u| u.starts_with("sqlite:"))
    }
}

#[derive(Clone, Args)]
pub struct SearchConfig {
    /// Meilisearch for search; unset means the embedded index.
    #[arg(long, env = "MEILISEARCH_URL", hide_env_values = true, global = true)]
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
    #[arg(long, env = "HEARTH_SEARCH_LEASE", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
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
        value_parser = clap::value_parser!(u64).range(1..=10_000),
        global = true
    )]
    pub search_batch: u64,
    /// Milliseconds the indexer lets post changes gather after a batch
    /// that emptied its queue, so that each commit carries more of them:
    /// an embedded index writes new segment files at every commit. Search
    /// trails writes by about this much; 0 applies each change at once.
    #[arg(
        long,
        env = "HEARTH_SEARCH_LINGER_MS",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u64).range(0..=60_000),
        global = true
    )]
    pub search_linger_ms: u64,
    /// Posts per batch when `hearth reindex` (or a first start) builds the
    /// whole index.
    #[arg(
        long,
        env = "HEARTH_REINDEX_BATCH",
        default_value_t = 5000,
        value_parser = clap::value_parser!(u64).range(1..=100_000),
        global = true
    )]
    pub reindex_batch: u64,
}

impl std::fmt::Debug for SearchConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchConfig")
            .field(
                "meilisearch_url",
                &self.meilisearch_url.as_deref().map(redact_url),
            )
            .field("meilisearch_api_key", &self.meilisearch_api_key)
            .field("meilisearch_index", &self.meilisearch_index)
            .field("search_lease", &self.search_lease)
            .field("search_indexer", &self.search_indexer)
            .field("search_batch", &self.search_batch)
            .field("search_linger_ms", &self.search_linger_ms)
            .field("reindex_batch", &self.reindex_batch)
            .finish()
    }
}

#[derive(Debug, Clone, Args)]
pub struct AuthConfig {
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
        value_parser = clap::value_parser!(i64).range(10..=86_400),
        global = true
    )]
    pub access_token_ttl: i64,
    /// Lifetime of a login session (refresh token family), in days.
    #[arg(
        long,
        env = "HEARTH_SESSION_TTL_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(i64).range(1..=365),
        global = true
    )]
    pub session_ttl_days: i64,
    /// How long a checked session is trusted without asking the database
    /// again, in milliseconds; 0 asks on every request. A logout counts at
    /// once on the instance that served it and within this time on the
    /// others, so it is capped at a second.
    #[arg(
        long,
        env = "HEARTH_SESSION_CACHE_MS",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u64).range(0..=1000),
        global = true
    )]
    pub session_cache_ms: u64,
}

#[derive(Debug, Clone, Args)]
pub struct LimitsConfig {
    /// Flags one member may raise per 24 hours.
    #[arg(
        long,
        env = "HEARTH_FLAG_RATE_LIMIT",
        default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub flag_rate_limit: u32,
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
    /// `checkDraft` calls one member may make per minute; 0: no limit.
    #[arg(
        long,
        env = "HEARTH_DRAFT_CHECK_RATE",
        default_value_t = 60,
        global = true
    )]
    pub draft_check_rate: u32,
}

#[derive(Debug, Clone, Args)]
pub struct LiveConfig {
    /// Events a live subscription may fall behind by before it is ended
    /// with an error telling the client to resume from its last cursor.
    #[arg(
        long,
        env = "HEARTH_SUBSCRIPTION_BUFFER",
        default_value_t = 4096,
        value_parser = positive_usize(),
        global = true
    )]
    pub subscription_buffer: usize,
    /// Seconds a WebSocket may wait before `connection_init` (then 4408).
    #[arg(
        long,
        env = "HEARTH_WS_INIT_TIMEOUT",
        default_value_t = 10,
        value_parser = positive_u64(),
        global = true
    )]
    pub ws_init_timeout: u64,
    /// Subscriptions one WebSocket connection may hold open.
    #[arg(
        long,
        env = "HEARTH_WS_MAX_SUBSCRIPTIONS",
        default_value_t = 50,
        value_parser = positive_usize(),
        global = true
    )]
    pub ws_max_subscriptions: usize,
    /// WebSocket connections one user may hold open.
    #[arg(
        long,
        env = "HEARTH_WS_MAX_CONNECTIONS",
        default_value_t = 10,
        value_parser = positive_usize(),
        global = true
    )]
    pub ws_max_connections: usize,
    /// Seconds between re-checks of a WebSocket's session and role: a
    /// logged-out session or changed role closes the connection.
    #[arg(long, env = "HEARTH_WS_RECHECK", default_value_t = 60, value_parser = positive_u64(), global = true)]
    pub ws_recheck: u64,
    /// Seconds between keep-alive pings on a WebSocket.
    #[arg(long, env = "HEARTH_WS_KEEPALIVE", default_value_t = 15, value_parser = positive_u64(), global = true)]
    pub ws_keepalive: u64,
}

#[derive(Debug, Clone, Args)]
pub struct SafetyConfig {
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
    /// Minutes an URGENT flag waits for a facilitator or admin to
    /// acknowledge it before it escalates to every facilitator of the group
    /// and every platform admin.
    #[arg(long, env = "HEARTH_ESCALATION_MINUTES", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1440), global = true)]
    pub escalation_minutes: u64,
    /// The same interval in seconds, overriding the minutes: for drills and
    /// tests.
    #[arg(long, env = "HEARTH_ESCALATION_SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400), global = true)]
    pub escalation_seconds: Option<u64>,
}

impl SafetyConfig {
    /// How long an URGENT flag may stay unacknowledged.
    pub fn escalation_after(&self) -> chrono::Duration {
        let secs = self
            .escalation_seconds
            .unwrap_or(self.escalation_minutes.saturating_mul(60));
        chrono::Duration::seconds(
            i64::try_from(secs)
                .unwrap_or(i64::MAX / 1000)
                .min(86_400 * 365),
        )
    }
}

impl Config {
    /// The defaults of every flag, read from no environment and no command
    /// line: what `hearth schema` builds with.
    pub fn defaults() -> Self {
        use clap::FromArgMatches;
        // The environment is ignored: tools and tests must not pick up a
        // deployment's settings by accident.
        let cmd = Config::augment_args(clap::Command::new("hearth")).mut_args(|a| a.env(None));
        let matches = cmd.get_matches_from(["hearth"]);
        match Config::from_arg_matches(&matches) {
            Ok(c) => c,
            Err(e) => e.exit(),
        }
    }

    /// Settings for tests and tools: the defaults, with their own data
    /// directory and database, any free port, and no per-address limits.
    pub fn for_tests(data_dir: PathBuf, database_url: Option<String>) -> Self {
        let mut c = Config::defaults();
        c.server.addr = "127.0.0.1:0".into();
        c.server.metrics_addr = "127.0.0.1:0".into();
        c.server.workers = Some(1);
        c.store.data_dir = data_dir;
        c.store.database_url = database_url;
        c.store.migrate = true;
        c.store.db_pool = 5;
        // Every test client is 127.0.0.1: per-address limits would make
        // tests interfere. The limit tests set their own.
        let unlimited = Limit {
            count: 100_000,
            window: std::time::Duration::from_secs(60),
        };
        c.limits.limit_login_address = unlimited;
        c.limits.limit_register_address = unlimited;
        c
    }

    pub fn is_embedded_db(&self) -> bool {
        self.store.is_embedded_db()
    }
}

/// An address or a CIDR range.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is not an IP address or CIDR range"))
}

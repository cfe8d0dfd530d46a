//! Values that must never reach a log: secrets, and the passwords inside
//! connection URLs.

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

/// A URL with any password replaced, for logs.
pub(super) fn redact_url(u: &str) -> String {
    let Ok(mut url) = url::Url::parse(u) else {
        return "<unparseable URL>".to_owned();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    } else if !url.username().is_empty() {
        // A lone user part may itself be a token (redis://token@host).
        let _ = url.set_username("***");
    }
    let secretive = |k: &str| {
        let k = k.to_ascii_lowercase();
        ["pass", "pwd", "secret", "token", "key", "auth"]
            .iter()
            .any(|s| k.contains(s))
    };
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secretive(&k) {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod secret_tests {
    #[test]
    fn debug_never_shows_a_secret() {
        let mut c = crate::config::Config::for_tests(std::env::temp_dir(), None);
        c.auth.jwt_secret = Some("hunter2-very-secret".into());
        c.search.meilisearch_api_key = Some("meili-master-key".into());
        c.store.database_url = Some("postgres://app:pg-pass-1@db:5432/hearth".into());
        c.store.redis_url = Some("redis://:redis-pass-2@cache:6379/0".into());
        c.search.meilisearch_url = Some("https://tokenonly-3@search.example".into());
        let shown = format!("{c:?}");
        for secret in [
            "hunter2",
            "meili-master-key",
            "pg-pass-1",
            "redis-pass-2",
            "tokenonly-3",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        for (url, secret) in [
            ("postgres://user:pa@ss@host/db", "pa@ss"),
            ("postgres://user:p/ss@host/db", "p/ss"),
            (
                "postgres://host/db?password=qs-secret&sslmode=require",
                "qs-secret",
            ),
            ("redis://:pw-only@host", "pw-only"),
            ("redis://user-token@host", "user-token"),
            ("not a url with hunter3", "hunter3"),
        ] {
            c.store.database_url = Some(url.into());
            let shown = format!("{c:?}");
            assert!(!shown.contains(secret), "{secret} in {shown}");
            // Percent-encoded, it would hide from the check above.
            let encoded = secret.replace('@', "%40").replace('/', "%2F");
            assert!(!shown.contains(&encoded), "{encoded} in {shown}");
        }
        assert_eq!(
            super::redact_url("postgres://user:pa@ss@host/db"),
            "postgres://user:***@host/db"
        );
        assert_eq!(
            super::redact_url("postgres://host/db?password=x&sslmode=require"),
            "postgres://host/db?password=***&sslmode=require"
        );
        assert!(shown.contains("Secret(..)"));
        assert!(
            shown.contains("postgres://app:***@db:5432/hearth"),
            "{shown}"
        );
    }

    #[test]
    fn defaults_ignore_the_environment_and_numbers_are_range_checked() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            config: crate::config::Config,
        }
        let d = crate::config::Config::defaults();
        assert_eq!(d.server.addr, "127.0.0.1:8080");
        assert_eq!(d.store.db_pool, 10);
        assert!(Cli::try_parse_from(["hearth", "--db-pool", "0"]).is_err());
        assert!(Cli::try_parse_from(["hearth", "--search-batch", "0"]).is_err());
        assert!(Cli::try_parse_from(["hearth", "--ws-keepalive", "0"]).is_err());
        assert!(Cli::try_parse_from(["hearth", "--access-token-ttl", "-5"]).is_err());
        let ok = Cli::try_parse_from(["hearth", "--db-pool", "20"]).map(|c| c.config.store.db_pool);
        assert_eq!(ok.ok(), Some(20));
    }
}

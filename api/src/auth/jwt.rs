//! Access tokens. Hearth signs HS256 tokens itself; an integrator with their
//! own identity provider may configure an RS256/ES256 public key, and tokens
//! signed with it are accepted too (see README, "External identity").
use crate::config::{Config, ExternalAlgorithm};
use anyhow::Context;
use chrono::{DateTime, Utc};
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const LOCAL_ISSUER: &str = "hearth";

#[derive(Debug, Serialize, Deserialize)]
pub struct LocalClaims {
    pub sub: String,
    pub sid: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// Claims read from an external provider's token.
#[derive(Debug, Deserialize)]
pub struct ExternalClaims {
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    pub exp: i64,
}

pub enum Verified {
    Local {
        user_id: Uuid,
        session_id: Uuid,
        exp: i64,
    },
    External(ExternalClaims),
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("access token expired")]
    Expired,
    #[error("invalid access token")]
    Invalid,
}

pub struct JwtKeys {
    /// Live-event resume cursors, keyed from the same shared secret.
    pub cursors: super::cursor::EventCursors,
    /// Calendar feed URLs, keyed from the same shared secret.
    pub calendar: super::calendar::CalendarTokens,
    encoding: EncodingKey,
    local: DecodingKey,
    external: Option<(DecodingKey, Validation)>,
    ttl_secs: i64,
}

impl JwtKeys {
    pub fn from_config(cfg: &Config) -> anyhow::Result<Self> {
        let secret = match &cfg.auth.jwt_secret {
            Some(s) if s.expose().len() >= 32 => s.expose().as_bytes().to_vec(),
            Some(_) => anyhow::bail!("HEARTH_JWT_SECRET must be at least 32 bytes"),
            None => load_or_create_secret(cfg)?,
        };
        let external = match &cfg.auth.jwt_public_key_file {
            None => None,
            Some(path) => {
                let pem =
                    std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                let (key, alg) = match cfg.auth.jwt_algorithm {
                    ExternalAlgorithm::Rs256 => {
                        (DecodingKey::from_rsa_pem(&pem)?, Algorithm::RS256)
                    }
                    ExternalAlgorithm::Es256 => (DecodingKey::from_ec_pem(&pem)?, Algorithm::ES256),
                };
                let mut v = Validation::new(alg);
                v.leeway = 30;
                match &cfg.auth.jwt_issuer {
                    Some(iss) => v.set_issuer(&[iss]),
                    None => anyhow::bail!("HEARTH_JWT_ISSUER is required with an external key"),
                }
                match &cfg.auth.jwt_audience {
                    Some(aud) => v.set_audience(&[aud]),
                    None => anyhow::bail!("HEARTH_JWT_AUDIENCE is required with an external key"),
                }
                Some((key, v))
            }
        };
        Ok(JwtKeys {
            cursors: super::cursor::EventCursors::new(&secret),
            calendar: super::calendar::CalendarTokens::new(&secret),
            encoding: EncodingKey::from_secret(&secret),
            local: DecodingKey::from_secret(&secret),
            external,
            ttl_secs: cfg.auth.access_token_ttl,
        })
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let exp = now + chrono::Duration::seconds(self.ttl_secs);
        let claims = LocalClaims {
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            iss: LOCAL_ISSUER.into(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((
            token,
            DateTime::from_timestamp(exp.timestamp(), 0).unwrap_or(exp),
        ))
    }

    pub fn verify(&self, token: &str) -> Result<Verified, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        let map = |e: jsonwebtoken::errors::Error| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        };
        if header.alg == Algorithm::HS256 {
            let mut v = Validation::new(Algorithm::HS256);
            v.leeway = 0;
            v.set_issuer(&[LOCAL_ISSUER]);
            v.set_required_spec_claims(&["exp", "sub", "iss"]);
            let data = decode::<LocalClaims>(token, &self.local, &v).map_err(map)?;
            let user_id = Uuid::try_parse(&data.claims.sub).map_err(|_| TokenError::Invalid)?;
            let session_id = Uuid::try_parse(&data.claims.sid).map_err(|_| TokenError::Invalid)?;
            return Ok(Verified::Local {
                user_id,
                session_id,
                exp: data.claims.exp,
            });
        }
        match &self.external {
            Some((key, v)) if v.algorithms.contains(&header.alg) => {
                let data = decode::<ExternalClaims>(token, key, v).map_err(map)?;
                if data.claims.sub.is_empty() {
                    return Err(TokenError::Invalid);
                }
                Ok(Verified::External(data.claims))
            }
            _ => Err(TokenError::Invalid),
        }
    }
}

/// The embedded default keeps a generated secret in the data directory, so a
/// restart logs nobody out.
fn load_or_create_secret(cfg: &Config) -> anyhow::Result<Vec<u8>> {
    let path = cfg.store.data_dir.join("jwt_secret");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim().to_owned();
        if s.len() >= 32 {
            return Ok(s.into_bytes());
        }
    }
    if !cfg.is_embedded_db() {
        tracing::warn!(
            "HEARTH_JWT_SECRET is unset: using a secret from {}; instances sharing a database must share it",
            path.display()
        );
    }
    std::fs::create_dir_all(&cfg.store.data_dir)
        .with_context(|| format!("creating {}", cfg.store.data_dir.display()))?;
    let secret = super::refresh::random_token(48);
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

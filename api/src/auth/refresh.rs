//! Refresh tokens: `<session id>.<secret>`. Only a SHA-256 of the secret is
//! stored; each refresh replaces it, so a token that names a live session
//! but carries an old secret is a replayed (stolen) one.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub struct Issued {
    pub token: String,
    pub hash: String,
}

pub fn issue(session_id: Uuid) -> Issued {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = URL_SAFE_NO_PAD.encode(secret);
    Issued {
        token: format!("{}.{}", session_id.simple(), secret),
        hash: hash_secret(&secret),
    }
}

/// Splits a presented token into its session id and the hash of its secret.
pub fn parse(token: &str) -> Option<(Uuid, String)> {
    let (sid, secret) = token.trim().split_once('.')?;
    let sid = Uuid::try_parse(sid).ok()?;
    if secret.is_empty() || secret.len() > 128 {
        return None;
    }
    Some((sid, hash_secret(secret)))
}

fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Random URL-safe string for invite codes and generated secrets.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

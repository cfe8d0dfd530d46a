//! Calendar feed tokens: a member's user id and feed version with an
//! HMAC-SHA-256 tag under a key derived (HKDF) from the server secret.
//! Nothing secret is stored: rotating the feed bumps its version, and every
//! earlier token stops matching.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

type Tag = Hmac<Sha256>;

pub struct CalendarTokens {
    key: [u8; 32],
}

/// 16 bytes of user id, 4 of version, 16 of tag.
const LEN: usize = 36;

impl CalendarTokens {
    pub fn new(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // An HKDF expand of 32 bytes cannot fail.
        let _ =
            hkdf::Hkdf::<Sha256>::new(None, secret).expand(b"hearth calendar feed v1", &mut key);
        CalendarTokens { key }
    }

    /// HMAC takes a key of any length: never None.
    fn mac(&self, body: &[u8]) -> Option<Tag> {
        let mut m = <Tag as Mac>::new_from_slice(&self.key).ok()?;
        m.update(body);
        Some(m)
    }

    pub fn token(&self, user: Uuid, version: i32) -> Option<String> {
        let mut raw = Vec::with_capacity(LEN);
        raw.extend_from_slice(user.as_bytes());
        raw.extend_from_slice(&version.to_be_bytes());
        let tag = self.mac(&raw)?.finalize().into_bytes();
        raw.extend_from_slice(&tag[..16]);
        Some(URL_SAFE_NO_PAD.encode(raw))
    }

    /// The user and version a token was made for, if its tag is right
    /// (compared in constant time).
    pub fn open(&self, token: &str) -> Option<(Uuid, i32)> {
        if token.len() > 64 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        if raw.len() != LEN {
            return None;
        }
        let (body, tag) = raw.split_at(20);
        self.mac(body)?.verify_truncated_left(tag).ok()?;
        let user = Uuid::from_slice(&body[..16]).ok()?;
        let version = i32::from_be_bytes(body[16..20].try_into().ok()?);
        Some((user, version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let t = CalendarTokens::new(b"a secret that is long enough for the test");
        let u = Uuid::now_v7();
        let tok = t.token(u, 3).unwrap();
        assert_eq!(t.open(&tok), Some((u, 3)));
        let other = CalendarTokens::new(b"another secret, just as long as the first");
        assert_eq!(other.open(&tok), None);
        let mut raw = URL_SAFE_NO_PAD.decode(&tok).unwrap();
        raw[17] ^= 1;
        assert_eq!(t.open(&URL_SAFE_NO_PAD.encode(raw)), None);
        assert_eq!(t.open("short"), None);
    }
}

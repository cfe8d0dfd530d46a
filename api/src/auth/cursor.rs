//! Resume cursors for live events: opaque and bound to one group.
//!
//! A cursor is the event id and the first half of its group id, as one
//! AES-128 block under a key derived (HKDF-SHA-256) from the server secret.
//! A client learns nothing from it about other groups' activity (event ids
//! are global), and a cursor from one group opens as garbage for another.
// aes 0.8's block type is generic-array 0.14, which marks itself deprecated
// in favour of a 1.x that this cipher version does not use.
#![allow(deprecated)]
use aes::{
    cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit},
    Aes128,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use uuid::Uuid;

pub struct EventCursors {
    cipher: Aes128,
}

impl EventCursors {
    pub fn new(secret: &[u8]) -> Self {
        let mut key = [0u8; 16];
        // An HKDF expand of 16 bytes cannot fail.
        let _ = hkdf::Hkdf::<sha2::Sha256>::new(None, secret)
            .expand(b"hearth event cursor v1", &mut key);
        EventCursors {
            cipher: Aes128::new(GenericArray::from_slice(&key)),
        }
    }

    pub fn seal(&self, group: Uuid, id: i64) -> String {
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(&id.to_be_bytes());
        block[8..].copy_from_slice(&group.as_bytes()[..8]);
        let mut block = GenericArray::from(block);
        self.cipher.encrypt_block(&mut block);
        URL_SAFE_NO_PAD.encode(block)
    }

    /// The event id, when `cursor` was sealed for `group`.
    pub fn open(&self, group: Uuid, cursor: &str) -> Option<i64> {
        if cursor.len() > 32 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        let raw: [u8; 16] = raw.try_into().ok()?;
        let mut block = GenericArray::from(raw);
        self.cipher.decrypt_block(&mut block);
        if block[8..] != group.as_bytes()[..8] {
            return None;
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(&block[..8]);
        Some(i64::from_be_bytes(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_for_its_group() {
        let c = EventCursors::new(b"a secret that is long enough for the test");
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = c.seal(a, 42);
        assert_eq!(c.open(a, &sealed), Some(42));
        assert_eq!(c.open(b, &sealed), None);
        assert_ne!(c.seal(a, 43)[..4], sealed[..4], "nothing shows the order");
        assert_eq!(c.open(a, "garbage"), None);
        let other = EventCursors::new(b"another secret that is long enough for it");
        assert_eq!(other.open(a, &sealed), None);
    }
}

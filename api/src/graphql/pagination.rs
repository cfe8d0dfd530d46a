//! Relay connection arguments and opaque keyset cursors.
use crate::{
    error::{AppError, AppResult},
    store::Page,
};
use async_graphql::{
    connection::{Connection, Edge},
    OutputType,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// `first`/`last`: 0-100, default 20. Larger is refused, not clamped.
pub fn page_size(arg: &str, value: Option<i32>) -> AppResult<u64> {
    match value {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (0..=MAX_PAGE as i32).contains(&n) => Ok(n as u64),
        Some(n) => Err(AppError::bad_input(format!(
            "`{arg}` must be between 0 and {MAX_PAGE} (got {n})"
        ))),
    }
}

/// A keyset list's cursor: which list it belongs to and the key it holds.
/// The cursor names its list, so one from another list is refused.
pub trait Cursor {
    const LIST: &'static str;
    type Key: Key;
}

/// Opaque text for a position in list `C`.
pub fn encode<C: Cursor>(key: &C::Key) -> String {
    // One buffer: a page writes a cursor for every edge.
    let mut raw = String::with_capacity(96);
    raw.push_str(C::LIST);
    key.write(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

/// The key inside a cursor of list `C`; BAD_USER_INPUT when the text is
/// not one.
pub fn decode<C: Cursor>(cursor: Option<&str>) -> AppResult<Option<C::Key>> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = || AppError::bad_input("invalid cursor");
    if cursor.len() > 256 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = raw.split('|');
    if parts.next() != Some(C::LIST) {
        return Err(bad());
    }
    let parts: Vec<&str> = parts.collect();
    if parts.len() != C::Key::LEN {
        return Err(bad());
    }
    C::Key::read(&parts).map(Some).ok_or_else(bad)
}

/// One field of a cursor's key.
pub trait Part: Sized {
    /// Appends the part's text to `out`.
    fn write(&self, out: &mut String);
    fn read(s: &str) -> Option<Self>;
}

impl Part for Uuid {
    fn write(&self, out: &mut String) {
        out.push_str(self.simple().encode_lower(&mut Uuid::encode_buffer()));
    }
    fn read(s: &str) -> Option<Self> {
        Uuid::try_parse(s).ok()
    }
}

impl Part for DateTime<Utc> {
    fn write(&self, out: &mut String) {
        out.push_str(&self.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    }
    fn read(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

impl Part for bool {
    fn write(&self, out: &mut String) {
        out.push(if *self { '1' } else { '0' });
    }
    fn read(s: &str) -> Option<Self> {
        match s {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        }
    }
}

impl Part for usize {
    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
    fn read(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

trait WritePart {
    fn write_part(&self, out: &mut String);
}

impl<P: Part> WritePart for P {
    fn write_part(&self, out: &mut String) {
        out.push('|');
        self.write(out);
    }
}

/// A cursor's whole key: one part, or a tuple of parts.
pub trait Key: Sized {
    const LEN: usize;
    /// Appends each part, after a `|`.
    fn write(&self, out: &mut String);
    fn read(parts: &[&str]) -> Option<Self>;
}

impl<A: Part> Key for A {
    const LEN: usize = 1;
    fn write(&self, out: &mut String) {
        out.push('|');
        Part::write(self, out);
    }
    fn read(parts: &[&str]) -> Option<Self> {
        A::read(parts.first()?)
    }
}

impl<A: Part, B: Part> Key for (A, B) {
    const LEN: usize = 2;
    fn write(&self, out: &mut String) {
        self.0.write_part(out);
        self.1.write_part(out);
    }
    fn read(parts: &[&str]) -> Option<Self> {
        Some((A::read(parts.first()?)?, B::read(parts.get(1)?)?))
    }
}

impl<A: Part, B: Part, C: Part> Key for (A, B, C) {
    const LEN: usize = 3;
    fn write(&self, out: &mut String) {
        self.0.write_part(out);
        self.1.write_part(out);
        self.2.write_part(out);
    }
    fn read(parts: &[&str]) -> Option<Self> {
        Some((
            A::read(parts.first()?)?,
            B::read(parts.get(1)?)?,
            C::read(parts.get(2)?)?,
        ))
    }
}

macro_rules! lists {
    ($($(#[$doc:meta])* $name:ident = $list:literal: $key:ty;)*) => {
        $(
            $(#[$doc])*
            pub enum $name {}
            impl Cursor for $name {
                const LIST: &'static str = $list;
                type Key = $key;
            }
        )*
    };
}

lists! {
    /// `Group.members`: joined at, user.
    Members = "members": (DateTime<Utc>, Uuid);
    /// `Viewer.groups`: joined at, group.
    ViewerGroups = "groups": (DateTime<Utc>, Uuid);
    /// `Group.threads`: pinned, latest activity, thread.
    Threads = "threads": (bool, DateTime<Utc>, Uuid);
    /// `Group.flags`: urgent, raised at, flag.
    Flags = "flags": (bool, DateTime<Utc>, Uuid);
    /// `Group.moderationLog`: entry.
    ModerationLog = "modlog": Uuid;
    /// `Thread.posts`: post.
    Posts = "posts": Uuid;
    /// `Viewer.notifications`: notification.
    Notifications = "notes": Uuid;
    /// `Viewer.accessLog` and `Query.accessAudit`: access event.
    AccessEvents = "access": Uuid;
    /// `Group.sessions`: starts at, session.
    Sessions = "sessions": (DateTime<Utc>, Uuid);
    /// `WebhookEndpoint.deliveries`: created at, delivery.
    Deliveries = "deliveries": (DateTime<Utc>, Uuid);
    /// `Viewer.dataExports` needs none: at most a handful.
    /// `searchPosts`, in relevance order: the offset of the next hit.
    Search = "search": usize;
}

/// Turns a page into a Relay connection, one cursor per item.
pub fn connection<T, N: OutputType>(
    page: Page<T>,
    cursor: impl Fn(&T) -> String,
    node: impl Fn(T) -> N,
) -> Connection<String, N> {
    let mut conn = Connection::new(page.has_previous, page.has_next);
    conn.edges = page
        .items
        .into_iter()
        .map(|item| Edge::new(cursor(&item), node(item)))
        .collect();
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes() {
        assert_eq!(page_size("first", None).unwrap(), 20);
        assert!(page_size("first", Some(101)).is_err());
        assert!(page_size("first", Some(-1)).is_err());
    }

    #[test]
    fn cursors_are_tied_to_their_list() {
        let id = Uuid::now_v7();
        let c = encode::<Posts>(&id);
        assert_eq!(decode::<Posts>(Some(&c)).ok().flatten(), Some(id));
        assert!(decode::<ModerationLog>(Some(&c)).is_err());
        assert!(decode::<Posts>(Some("%%%")).is_err());
        let t = Utc::now();
        let c = encode::<Threads>(&(true, t, id));
        let (pinned, at, back) = decode::<Threads>(Some(&c))
            .ok()
            .flatten()
            .unwrap_or_default();
        assert!(pinned);
        assert_eq!((at.timestamp_micros(), back), (t.timestamp_micros(), id));
        assert!(decode::<Flags>(Some(&c)).is_err());
        assert!(decode::<Search>(Some(&encode::<Posts>(&id))).is_err());
    }
}

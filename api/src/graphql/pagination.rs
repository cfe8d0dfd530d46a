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

/// A cursor names its list, so one from another list is refused.
pub fn encode(list: &str, parts: &[String]) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}|{}", parts.join("|")))
}

pub fn decode(list: &str, cursor: &str, n: usize) -> AppResult<Vec<String>> {
    let bad = || AppError::bad_input("invalid cursor");
    if cursor.len() > 256 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = raw.split('|');
    if parts.next() != Some(list) {
        return Err(bad());
    }
    let parts: Vec<String> = parts.map(str::to_owned).collect();
    if parts.len() != n {
        return Err(bad());
    }
    Ok(parts)
}

pub fn parse_uuid(s: &str) -> AppResult<Uuid> {
    Uuid::try_parse(s).map_err(|_| AppError::bad_input("invalid cursor"))
}

pub fn parse_time(s: &str) -> AppResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| AppError::bad_input("invalid cursor"))
}

pub fn time_part(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Cursor helpers for lists keyed by `(timestamp, uuid)`.
pub fn encode_time_id(list: &str, t: DateTime<Utc>, id: Uuid) -> String {
    encode(list, &[time_part(t), id.simple().to_string()])
}

pub fn decode_time_id(
    list: &str,
    cursor: Option<&str>,
) -> AppResult<Option<(DateTime<Utc>, Uuid)>> {
    cursor
        .map(|c| {
            let p = decode(list, c, 2)?;
            Ok((parse_time(&p[0])?, parse_uuid(&p[1])?))
        })
        .transpose()
}

pub fn decode_id(list: &str, cursor: Option<&str>) -> AppResult<Option<Uuid>> {
    cursor
        .map(|c| parse_uuid(&decode(list, c, 1)?[0]))
        .transpose()
}

/// Relevance-ordered lists page by position.
pub fn decode_offset(list: &str, cursor: Option<&str>) -> AppResult<usize> {
    match cursor {
        None => Ok(0),
        Some(c) => decode(list, c, 1)?[0]
            .parse()
            .map_err(|_| AppError::bad_input("invalid cursor")),
    }
}

pub fn encode_offset(list: &str, offset: usize) -> String {
    encode(list, &[offset.to_string()])
}

pub fn encode_id(list: &str, id: Uuid) -> String {
    encode(list, &[id.simple().to_string()])
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
        let c = encode_id("posts", Uuid::now_v7());
        assert!(decode_id("posts", Some(&c)).is_ok());
        assert!(decode_id("threads", Some(&c)).is_err());
        assert!(decode_id("posts", Some("%%%")).is_err());
    }
}

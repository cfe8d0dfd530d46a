//! Opaque global IDs: base64url of `Type:uuid`. A malformed ID and an ID of
//! another type are both NOT_FOUND, like a missing object. Crate-wide, not
//! only GraphQL's: push payloads and webhooks name objects by the same IDs.
use crate::error::{AppError, AppResult};
use async_graphql::ID;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
    Thread,
    Post,
    Flag,
    ModerationAction,
    Notification,
    PushSubscription,
    AccessEvent,
    DataExport,
    GroupSession,
    CheckIn,
    WebhookEndpoint,
    WebhookDelivery,
}

impl Kind {
    const fn tag(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
            Kind::Thread => "Thread",
            Kind::Post => "Post",
            Kind::Flag => "Flag",
            Kind::ModerationAction => "ModerationAction",
            Kind::Notification => "Notification",
            Kind::PushSubscription => "PushSubscription",
            Kind::AccessEvent => "AccessEvent",
            Kind::DataExport => "DataExport",
            Kind::GroupSession => "GroupSession",
            Kind::CheckIn => "CheckIn",
            Kind::WebhookEndpoint => "WebhookEndpoint",
            Kind::WebhookDelivery => "WebhookDelivery",
        }
    }

    const ALL: [Kind; 14] = [
        Kind::User,
        Kind::Group,
        Kind::Thread,
        Kind::Post,
        Kind::Flag,
        Kind::ModerationAction,
        Kind::Notification,
        Kind::PushSubscription,
        Kind::AccessEvent,
        Kind::DataExport,
        Kind::GroupSession,
        Kind::CheckIn,
        Kind::WebhookEndpoint,
        Kind::WebhookDelivery,
    ];
}

/// The longest tag `encode` has room for.
const TAG_MAX: usize = 16;

// Every tag fits `encode`'s buffer, checked when compiling.
const _: () = {
    let mut i = 0;
    while i < Kind::ALL.len() {
        assert!(Kind::ALL[i].tag().len() <= TAG_MAX);
        i += 1;
    }
};

pub fn encode(kind: Kind, id: Uuid) -> ID {
    // On the stack: a page encodes a few hundred of these.
    let tag = kind.tag().as_bytes();
    let mut raw = [0u8; TAG_MAX + 1 + uuid::fmt::Simple::LENGTH];
    raw[..tag.len()].copy_from_slice(tag);
    raw[tag.len()] = b':';
    let end = tag.len() + 1 + uuid::fmt::Simple::LENGTH;
    id.simple().encode_lower(&mut raw[tag.len() + 1..end]);
    ID(URL_SAFE_NO_PAD.encode(&raw[..end]))
}

/// Any global ID: its type and UUID.
pub fn decode_any(id: &str) -> AppResult<(Kind, Uuid)> {
    if id.len() > 128 {
        return Err(AppError::NotFound);
    }
    let raw = URL_SAFE_NO_PAD
        .decode(id.trim())
        .map_err(|_| AppError::NotFound)?;
    let raw = String::from_utf8(raw).map_err(|_| AppError::NotFound)?;
    let (tag, uuid) = raw.split_once(':').ok_or(AppError::NotFound)?;
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.tag() == tag)
        .ok_or(AppError::NotFound)?;
    let uuid = Uuid::try_parse(uuid).map_err(|_| AppError::NotFound)?;
    Ok((kind, uuid))
}

pub fn decode(expected: Kind, id: &ID) -> AppResult<Uuid> {
    match decode_any(id)? {
        (kind, uuid) if kind == expected => Ok(uuid),
        _ => Err(AppError::NotFound),
    }
}

/// An optional input ID that, when it fails to decode, is the client's input
/// error (e.g. `replyToId`), not a lookup.
pub fn decode_input(expected: Kind, id: &ID, field: &str) -> AppResult<Uuid> {
    decode(expected, id).map_err(|_| AppError::bad_input(format!("{field} is not a valid ID")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_type_check() {
        let u = Uuid::now_v7();
        let id = encode(Kind::Post, u);
        assert_eq!(decode(Kind::Post, &id).unwrap(), u);
        assert!(decode(Kind::Thread, &id).is_err());
        assert!(decode(Kind::Post, &ID("garbage!".into())).is_err());
    }
}

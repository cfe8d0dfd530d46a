//! Groups, invites and membership.
use super::RequestCtx;
use crate::{
    auth::refresh::random_token,
    domain::{content, policy},
    error::{AppError, AppResult},
    store::{events::Subject, keyset_after, now, Page},
};
use chrono::{DateTime, Utc};
use entity::{
    enums::{EventKind, GroupRole},
    group, invite, membership,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

pub struct NewGroup<'a> {
    pub name: &'a str,
    pub slug: Option<&'a str>,
    pub description: Option<&'a str>,
}

pub async fn create_group(ctx: &RequestCtx, input: NewGroup<'_>) -> AppResult<group::Model> {
    let viewer = ctx.viewer()?.clone();
    policy::create_group(&viewer)?;
    let name = content::required_text("name", input.name, content::GROUP_NAME_MAX)?;
    let description =
        content::optional_text("description", input.description, content::DESCRIPTION_MAX)?
            .unwrap_or_default();
    let db = &ctx.state.db;
    let mut w = db.write().await?;
    let slug_taken = |slug: String| {
        let txn = &w.txn;
        async move {
            Ok::<_, AppError>(
                group::Entity::find()
                    .filter(group::Column::Slug.eq(slug))
                    .count(txn)
                    .await?
                    > 0,
            )
        }
    };
    let slug = match input.slug {
        Some(s) => {
            let s = content::slug(s)?;
            if slug_taken(s.clone()).await? {
                return Err(AppError::conflict("that slug is taken"));
            }
            s
        }
        None => {
            let base = content::slugify(&name);
            if slug_taken(base.clone()).await? {
                format!(
                    "{base}-{}",
                    random_token(4).to_lowercase().replace('_', "0")
                )
                .replace("--", "-")
            } else {
                base
            }
        }
    };
    let t = now();
    let group = group::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug),
        name: Set(name),
        description: Set(description),
        created_at: Set(t),
        event_seq: Set(0),
        archived_at: Set(None),
        retention_days: Set(None),
        delete_after: Set(None),
    }
    .insert(&w.txn)
    .await
    .map_err(|e| AppError::from_db_conflict(e, "that slug is taken"))?;
    membership::ActiveModel {
        group_id: Set(group.id),
        user_id: Set(viewer.id),
        role: Set(GroupRole::Facilitator),
        joined_at: Set(t),
        muted_until: Set(None),
    }
    .insert(&w.txn)
    .await?;
    w.append_event(
        group.id,
        EventKind::MemberJoined,
        Some(viewer.id),
        Subject::member(viewer.id),
    )
    .await?;
    db.commit(w).await?;
    Ok(group)
}

pub async fn group(ctx: &RequestCtx, id: Uuid) -> AppResult<group::Model> {
    ctx.readable_group(id).await.map(|(g, _)| g)
}

pub async fn group_by_slug(ctx: &RequestCtx, slug: &str) -> AppResult<group::Model> {
    ctx.viewer()?;
    let found = group::Entity::find()
        .filter(group::Column::Slug.eq(slug.trim().to_lowercase()))
        .one(&ctx.state.db.conn)
        .await?;
    // The membership lookup runs for a missing slug too: the answer takes
    // the same statements either way.
    let standing = ctx
        .standing(found.as_ref().map_or(Uuid::nil(), |g| g.id))
        .await?;
    let group = found.ok_or(AppError::NotFound)?;
    policy::read_group(&standing)?;
    Ok(group)
}

pub struct NewInvite {
    pub group_id: Uuid,
    pub role: GroupRole,
    pub max_uses: i32,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn create_invite(ctx: &RequestCtx, input: NewInvite) -> AppResult<invite::Model> {
    let standing = ctx.standing(input.group_id).await?;
    policy::create_invite(&standing)?;
    // The group may have been deleted since the membership was read.
    let group = ctx
        .group_by_id(input.group_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if group.archived_at.is_some() {
        return Err(AppError::forbidden(
            "this group is archived: it takes no invites",
        ));
    }
    if !(1..=1000).contains(&input.max_uses) {
        return Err(AppError::bad_input("maxUses must be 1-1000"));
    }
    let t = now();
    if input.expires_at.is_some_and(|e| e <= t) {
        return Err(AppError::bad_input("expiresAt must be in the future"));
    }
    Ok(invite::ActiveModel {
        code: Set(random_token(12)),
        group_id: Set(input.group_id),
        role: Set(input.role),
        max_uses: Set(input.max_uses),
        uses: Set(0),
        expires_at: Set(input.expires_at),
        revoked_at: Set(None),
        created_by: Set(Some(standing.viewer.id)),
        created_at: Set(t),
    }
    .insert(&ctx.state.db.conn)
    .await?)
}

pub async fn join_group(ctx: &RequestCtx, code: &str) -> AppResult<membership::Model> {
    let viewer = ctx.viewer()?.clone();
    let code = code.trim();
    if code.is_empty() || code.len() > 64 {
        return Err(AppError::NotFound);
    }
    let db = &ctx.state.db;
    let mut w = db.write().await?;
    let invite = invite::Entity::find_by_id(code.to_owned())
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    // The group's write lock before the join time: no event of the group
    // can commit between the two, so replay's bound at the join is exact.
    w.lock_group(invite.group_id).await?;
    let invite = invite::Entity::find_by_id(invite.code)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let t = now();
    // Only a member of the group can learn they are one already; to anyone
    // else unknown, expired and used-up invites read the same.
    let existing = membership::Entity::find_by_id((invite.group_id, viewer.id))
        .one(&w.txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::conflict("you are already a member of this group"));
    }
    if invite.uses >= invite.max_uses
        || invite.expires_at.is_some_and(|e| e <= t)
        || invite.revoked_at.is_some()
    {
        return Err(AppError::NotFound);
    }
    let archived = group::Entity::find_by_id(invite.group_id)
        .one(&w.txn)
        .await?
        .is_none_or(|g| g.archived_at.is_some());
    if archived {
        return Err(AppError::forbidden(
            "this group is archived: it takes no new members",
        ));
    }
    let banned = entity::group_ban::Entity::find_by_id((invite.group_id, viewer.id))
        .one(&w.txn)
        .await?;
    if banned.is_some() {
        return Err(AppError::forbidden(
            "you were removed from this group; a facilitator must lift the removal before you can rejoin",
        ));
    }
    // Conditional increment: concurrent joins cannot overrun max_uses.
    let used = invite::Entity::update_many()
        .col_expr(invite::Column::Uses, Expr::col(invite::Column::Uses).add(1))
        .filter(invite::Column::Code.eq(invite.code.clone()))
        .filter(invite::Column::Uses.lt(invite.max_uses))
        .filter(invite::Column::RevokedAt.is_null())
        .exec(&w.txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(AppError::NotFound);
    }
    let m = membership::ActiveModel {
        group_id: Set(invite.group_id),
        user_id: Set(viewer.id),
        role: Set(invite.role),
        joined_at: Set(t),
        muted_until: Set(None),
    }
    .insert(&w.txn)
    .await
    .map_err(|e| AppError::from_db_conflict(e, "you are already a member of this group"))?;
    w.append_event(
        invite.group_id,
        EventKind::MemberJoined,
        Some(viewer.id),
        Subject::member(viewer.id),
    )
    .await?;
    db.commit(w).await?;
    Ok(m)
}

pub async fn leave_group(ctx: &RequestCtx, group_id: Uuid) -> AppResult<bool> {
    let viewer = ctx.viewer()?.clone();
    let db = &ctx.state.db;
    let mut w = db.write_in(group_id).await?;
    let m = membership::Entity::find_by_id((group_id, viewer.id))
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.role == GroupRole::Facilitator {
        let facilitators = membership::Entity::find()
            .filter(membership::Column::GroupId.eq(group_id))
            .filter(membership::Column::Role.eq(GroupRole::Facilitator))
            .count(&w.txn)
            .await?;
        let members = membership::Entity::find()
            .filter(membership::Column::GroupId.eq(group_id))
            .count(&w.txn)
            .await?;
        if facilitators == 1 && members > 1 {
            return Err(AppError::conflict(
                "the group's last facilitator cannot leave while it has members",
            ));
        }
    }
    membership::Entity::delete_by_id((group_id, viewer.id))
        .exec(&w.txn)
        .await?;
    w.append_event(
        group_id,
        EventKind::MemberLeft,
        Some(viewer.id),
        Subject::member(viewer.id),
    )
    .await?;
    db.commit(w).await?;
    Ok(true)
}

/// `Viewer.groups`: the viewer's memberships, oldest first, with their groups.
pub async fn viewer_groups(
    ctx: &RequestCtx,
    limit: u64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> AppResult<Page<(membership::Model, group::Model)>> {
    let viewer = ctx.viewer()?;
    let mut q = membership::Entity::find().filter(membership::Column::UserId.eq(viewer.id));
    if let Some((joined, gid)) = after {
        q = q.filter(keyset_after(
            membership::Column::JoinedAt,
            membership::Column::GroupId,
            joined,
            gid,
            false,
        ));
    }
    let rows = q
        .order_by_asc(membership::Column::JoinedAt)
        .order_by_asc(membership::Column::GroupId)
        .limit(limit + 1)
        .all(&ctx.state.db.conn)
        .await?;
    let page = Page::from_overfetch(rows, limit, after.is_some());
    let groups = ctx
        .loaders()
        .groups()
        .load_many(page.items.iter().map(|m| m.group_id))
        .await
        .map_err(AppError::from)?;
    let items = page
        .items
        .into_iter()
        .filter_map(|m| groups.get(&m.group_id).cloned().map(|g| (m, g)))
        .collect();
    Ok(Page {
        items,
        has_next: page.has_next,
        has_previous: page.has_previous,
    })
}

/// `Group.members`, in joining order. The caller has checked the viewer
/// may read the group.
pub async fn members(
    ctx: &RequestCtx,
    group_id: Uuid,
    limit: u64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> AppResult<Page<membership::Model>> {
    let mut q = membership::Entity::find().filter(membership::Column::GroupId.eq(group_id));
    if let Some((joined, uid)) = after {
        q = q.filter(keyset_after(
            membership::Column::JoinedAt,
            membership::Column::UserId,
            joined,
            uid,
            false,
        ));
    }
    let rows = q
        .order_by_asc(membership::Column::JoinedAt)
        .order_by_asc(membership::Column::UserId)
        .limit(limit + 1)
        .all(&ctx.state.db.conn)
        .await?;
    Ok(Page::from_overfetch(rows, limit, after.is_some()))
}

/// A user may be looked up by people who share a group with them (and by
/// admins and themself).
pub async fn visible_user(ctx: &RequestCtx, user_id: Uuid) -> AppResult<entity::user::Model> {
    let viewer = ctx.viewer()?;
    let shares_group = viewer.id == user_id || viewer.is_admin() || {
        let theirs = membership::Entity::find()
            .select_only()
            .column(membership::Column::GroupId)
            .filter(membership::Column::UserId.eq(user_id));
        membership::Entity::find()
            .filter(membership::Column::UserId.eq(viewer.id))
            .filter(membership::Column::GroupId.in_subquery(theirs.into_query()))
            .count(&ctx.state.db.conn)
            .await?
            > 0
    };
    if !shares_group {
        return Err(AppError::NotFound);
    }
    ctx.load_user(user_id).await?.ok_or(AppError::NotFound)
}

/// Revokes an invite of a group the viewer facilitates: it admits nobody
/// from now on. Anyone else reads NOT_FOUND.
pub async fn revoke_invite(ctx: &RequestCtx, code: &str) -> AppResult<invite::Model> {
    let code = code.trim();
    if code.is_empty() || code.len() > 64 {
        return Err(AppError::NotFound);
    }
    let invite = invite::Entity::find_by_id(code.to_owned())
        .one(&ctx.state.db.conn)
        .await?;
    let standing = ctx
        .standing(invite.as_ref().map_or(Uuid::nil(), |i| i.group_id))
        .await?;
    let invite = invite.ok_or(AppError::NotFound)?;
    if policy::read_group(&standing).is_err() || !standing.is_moderator() {
        return Err(AppError::NotFound);
    }
    if invite.revoked_at.is_some() {
        return Ok(invite);
    }
    // Under the group's write lock, like joins: a join either committed
    // before the revocation or sees it.
    let db = &ctx.state.db;
    let w = db.write_in(invite.group_id).await?;
    let mut active: invite::ActiveModel = invite.into();
    active.revoked_at = Set(Some(now()));
    let revoked = active.update(&w.txn).await?;
    db.commit(w).await?;
    Ok(revoked)
}

/// `Group.invites`: the group's invites, newest first; facilitators and
/// admins only.
pub async fn invites(
    ctx: &RequestCtx,
    group_id: Uuid,
    limit: u64,
) -> AppResult<Vec<invite::Model>> {
    let standing = ctx.standing(group_id).await?;
    policy::create_invite(&standing)?;
    Ok(invite::Entity::find()
        .filter(invite::Column::GroupId.eq(group_id))
        .order_by_desc(invite::Column::CreatedAt)
        .order_by_desc(invite::Column::Code)
        .limit(limit)
        .all(&ctx.state.db.conn)
        .await?)
}

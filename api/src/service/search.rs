//! Post search. The permission filter is computed here from the viewer's
//! memberships, never taken from the client's filter alone; the backend
//! ranks and filters, and every hit is checked again against the post as
//! the database has it now, so an index that lags a delete or a hide never
//! shows the post.
use super::RequestCtx;
use crate::{
    domain::policy,
    error::{AppError, AppResult},
    search::{highlight::highlight, query_terms, IndexQuery, MAX_HITS},
    store::Page,
};
use chrono::{DateTime, Utc};
use entity::{
    enums::{FlagStatus, GroupRole, PostState},
    flag, membership, post,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub const QUERY_MAX: usize = 500;
/// Open flags considered by `flaggedOnly`; a review queue longer than this
/// is a problem search will not solve.
const FLAGGED_MAX: u64 = 1000;

#[derive(Default)]
pub struct Filter {
    pub group_ids: Option<Vec<Uuid>>,
    pub thread_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub states: Option<Vec<PostState>>,
    pub flagged_only: bool,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

pub struct Hit {
    pub post: post::Model,
    pub highlight: String,
    pub score: f64,
    /// Cursor position: the offset just after this hit.
    pub next_offset: usize,
}

pub struct Results {
    pub page: Page<Hit>,
    pub total: u64,
}

fn validate(query: &str) -> AppResult<()> {
    let q = query.trim();
    if q.is_empty() {
        return Err(AppError::bad_input("query must not be empty"));
    }
    if q.chars().count() > QUERY_MAX {
        return Err(AppError::bad_input(format!(
            "query must be at most {QUERY_MAX} characters"
        )));
    }
    Ok(())
}

/// A span with the filter's shape and the page, never the words sought.
#[tracing::instrument(name = "search", skip_all, fields(search.limit = limit, search.offset = offset))]
pub async fn search(
    ctx: &RequestCtx,
    query: &str,
    filter: Filter,
    limit: u64,
    offset: usize,
) -> AppResult<Results> {
    let viewer = ctx.viewer()?.clone();
    validate(query)?;
    let terms = query_terms(query);
    let conn = &ctx.state.db.conn;
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(viewer.id))
        .all(conn)
        .await?;
    // Every membership of the viewer is here: the hits' fields (whether a
    // body may be shown) find them cached rather than load them again.
    ctx.prime_memberships(&memberships).await;
    let wanted: Option<HashSet<Uuid>> = filter.group_ids.map(|g| g.into_iter().collect());
    let in_scope = |g: &Uuid| wanted.as_ref().is_none_or(|w| w.contains(g));
    let member_of: Vec<Uuid> = memberships
        .iter()
        .map(|m| m.group_id)
        .filter(in_scope)
        .collect();
    let facilitates: Vec<Uuid> = memberships
        .iter()
        .filter(|m| m.role == GroupRole::Facilitator)
        .map(|m| m.group_id)
        .filter(in_scope)
        .collect();
    let states = filter.states.unwrap_or_else(|| vec![PostState::Visible]);
    // Members find visible posts of their groups; facilitators may add the
    // hidden posts of the groups they facilitate. Deleted: never.
    let mut visible_groups = if states.contains(&PostState::Visible) {
        member_of
    } else {
        Vec::new()
    };
    let hidden_groups = if states.contains(&PostState::Hidden) {
        facilitates.clone()
    } else {
        Vec::new()
    };
    let mut post_ids = None;
    if filter.flagged_only {
        // Flags are the facilitators' business, and not those on their own
        // posts.
        visible_groups.retain(|g| facilitates.contains(g));
        let open = flag::Entity::find()
            .select_only()
            .column(flag::Column::PostId)
            .filter(flag::Column::Status.eq(FlagStatus::Open))
            .filter(flag::Column::GroupId.is_in(facilitates.clone()))
            .filter(policy::flag_rows_visible_to(
                &viewer,
                flag::Column::PostAuthorId,
            ));
        post_ids = Some(
            open.distinct()
                .limit(FLAGGED_MAX)
                .into_tuple()
                .all(conn)
                .await?,
        );
    }
    let mut q = IndexQuery {
        terms,
        visible_groups,
        hidden_groups,
        thread_id: filter.thread_id,
        author_id: filter.author_id,
        post_ids,
        since: filter.since,
        until: filter.until,
        offset,
        limit: limit as usize,
    };
    let may_see = |p: &post::Model| match p.state {
        PostState::Visible => q.visible_groups.contains(&p.group_id),
        PostState::Hidden => q.hidden_groups.contains(&p.group_id),
        PostState::Deleted => false,
    };
    let mut items: Vec<Hit> = Vec::new();
    let (mut total, mut has_next);
    // A page whose hits the database confirms none of (the index lagging
    // deletes) would end the client's paging with no cursor: look further,
    // a few pages at most.
    let mut tries = 0;
    loop {
        let found = ctx.state.search.search(&q).await.map_err(|e| {
            tracing::warn!(error = %e, "search backend");
            AppError::Unavailable("search is temporarily unavailable; try again".into())
        })?;
        let ids: Vec<Uuid> = found.hits.iter().map(|(id, _)| *id).collect();
        let mut posts: HashMap<Uuid, post::Model> = if ids.is_empty() {
            HashMap::new()
        } else {
            post::Entity::find()
                .filter(post::Column::Id.is_in(ids))
                .all(conn)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect()
        };
        let n = found.hits.len();
        for (i, (id, score)) in found.hits.into_iter().enumerate() {
            // The post as it is now: still readable by this viewer, and its
            // current text still matching (not only a body edited away).
            let Some(p) = posts.remove(&id).filter(|p| may_see(p)) else {
                continue;
            };
            let Some(highlight) = highlight(p.body.as_deref().unwrap_or(""), &q.terms) else {
                continue;
            };
            // A hidden post's passage is its author's hidden words.
            if p.state == PostState::Hidden {
                ctx.note_access(
                    crate::domain::audit::AccessKind::HiddenPostBody,
                    p.author_id,
                    p.group_id,
                    Some(p.id),
                    None,
                );
            }
            items.push(Hit {
                highlight,
                score,
                post: p,
                next_offset: q.offset + i + 1,
            });
        }
        total = found.total;
        has_next = q.offset + n < (total as usize).min(MAX_HITS);
        tries += 1;
        if !items.is_empty() || !has_next || n == 0 || tries == 4 {
            break;
        }
        q.offset += n;
    }
    Ok(Results {
        page: Page {
            items,
            has_next,
            has_previous: offset > 0,
        },
        total,
    })
}

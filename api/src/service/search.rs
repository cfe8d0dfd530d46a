//! Post search over the database: every term must occur in the body, case
//! folded, newest first. The permission filter is computed here from the
//! viewer's memberships, never taken from the client's filter alone.
use super::RequestCtx;
use crate::{
    error::{AppError, AppResult},
    store::Page,
};
use chrono::{DateTime, Utc};
use entity::{
    enums::{FlagStatus, GroupRole, PostState},
    flag, membership, post,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use std::collections::HashSet;
use uuid::Uuid;

pub const QUERY_MAX: usize = 500;
const TERMS_MAX: usize = 8;

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
}

pub struct Results {
    pub page: Page<Hit>,
    pub total: u64,
}

fn terms(query: &str) -> AppResult<Vec<String>> {
    let q = query.trim();
    if q.is_empty() {
        return Err(AppError::bad_input("query must not be empty"));
    }
    if q.chars().count() > QUERY_MAX {
        return Err(AppError::bad_input(format!(
            "query must be at most {QUERY_MAX} characters"
        )));
    }
    let mut seen = HashSet::new();
    let terms: Vec<String> = q
        .split_whitespace()
        .map(str::to_lowercase)
        .filter(|t| seen.insert(t.clone()))
        .take(TERMS_MAX)
        .collect();
    Ok(terms)
}

fn like_pattern(term: &str) -> String {
    let mut p = String::from("%");
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub async fn search(
    ctx: &RequestCtx,
    query: &str,
    filter: Filter,
    limit: u64,
    after: Option<Uuid>,
) -> AppResult<Results> {
    let viewer = ctx.viewer()?.clone();
    let terms = terms(query)?;
    let conn = &ctx.state.db.conn;
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(viewer.id))
        .all(conn)
        .await?;
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
    let mut access = Condition::any();
    if <[PostState]>::contains(&states, &PostState::Visible) {
        access = access.add(
            Condition::all()
                .add(post::Column::State.eq(PostState::Visible))
                .add(post::Column::GroupId.is_in(member_of.clone())),
        );
    }
    if <[PostState]>::contains(&states, &PostState::Hidden) {
        access = access.add(
            Condition::all()
                .add(post::Column::State.eq(PostState::Hidden))
                .add(post::Column::GroupId.is_in(facilitates.clone())),
        );
    }
    // Deleted posts are never found, whatever was asked.
    let mut q = post::Entity::find()
        .filter(post::Column::State.ne(PostState::Deleted))
        .filter(access);
    if member_of.is_empty() {
        q = q.filter(Expr::val(1).eq(0));
    }
    for t in &terms {
        q = q.filter(
            Expr::expr(Func::lower(Expr::col(post::Column::Body)))
                .like(LikeExpr::new(like_pattern(t)).escape('\\')),
        );
    }
    if let Some(t) = filter.thread_id {
        q = q.filter(post::Column::ThreadId.eq(t));
    }
    if let Some(a) = filter.author_id {
        q = q.filter(post::Column::AuthorId.eq(a));
    }
    if let Some(s) = filter.since {
        q = q.filter(post::Column::CreatedAt.gte(s));
    }
    if let Some(u) = filter.until {
        q = q.filter(post::Column::CreatedAt.lt(u));
    }
    if filter.flagged_only {
        // Flags are for facilitators, and not those on their own posts.
        let mut open = flag::Entity::find()
            .select_only()
            .column(flag::Column::PostId)
            .filter(flag::Column::Status.eq(FlagStatus::Open));
        if !viewer.is_admin() {
            open = open.filter(
                Condition::any()
                    .add(flag::Column::PostAuthorId.is_null())
                    .add(flag::Column::PostAuthorId.ne(viewer.id)),
            );
        }
        q = q
            .filter(post::Column::GroupId.is_in(facilitates.clone()))
            .filter(post::Column::Id.in_subquery(open.into_query()));
    }
    let total = q.clone().count(conn).await?;
    if let Some(a) = after {
        q = q.filter(post::Column::Id.lt(a));
    }
    let rows = q
        .order_by_desc(post::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let page = Page::from_overfetch(rows, limit, after.is_some());
    let items = page
        .items
        .into_iter()
        .map(|p| Hit {
            highlight: highlight(p.body.as_deref().unwrap_or(""), &terms),
            score: 1.0,
            post: p,
        })
        .collect();
    Ok(Results {
        page: Page {
            items,
            has_next: page.has_next,
            has_previous: page.has_previous,
        },
        total,
    })
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A passage of about 160 characters around the first match, HTML escaped,
/// with every matched term wrapped in `<mark>`.
pub fn highlight(body: &str, terms: &[String]) -> String {
    let chars: Vec<char> = body.chars().collect();
    let lower: Vec<char> = body
        .chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect();
    let find = |from: usize, t: &[char]| -> Option<usize> {
        (from..=lower.len().saturating_sub(t.len())).find(|&i| lower[i..].starts_with(t))
    };
    let term_chars: Vec<Vec<char>> = terms
        .iter()
        .map(|t| t.chars().collect::<Vec<char>>())
        .filter(|t| !t.is_empty())
        .collect();
    let first = term_chars
        .iter()
        .filter_map(|t| find(0, t))
        .min()
        .unwrap_or(0);
    let start = first.saturating_sub(60);
    let end = (start + 160).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut i = start;
    while i < end {
        let hit = term_chars
            .iter()
            .filter(|t| lower[i..].starts_with(t))
            .map(Vec::len)
            .max();
        match hit {
            Some(n) => {
                let upto = (i + n).min(chars.len());
                out.push_str("<mark>");
                out.push_str(&escape_html(&chars[i..upto].iter().collect::<String>()));
                out.push_str("</mark>");
                i = upto;
            }
            None => {
                out.push_str(&escape_html(&chars[i].to_string()));
                i += 1;
            }
        }
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_marks_and_escapes() {
        let h = highlight("I <b>slept</b> badly; Sleep is hard", &["sleep".into()]);
        assert_eq!(
            h,
            "I &lt;b&gt;slept&lt;/b&gt; badly; <mark>Sleep</mark> is hard"
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_"), "%50\\%\\_%");
    }
}

//! Reads that bring what a page shows in one statement: a row and the rows
//! it points to, joined and told apart by column prefix. The hot path (the
//! signed-in check and the thread page) pays one round trip per level
//! instead of one per loader batch.
use entity::{
    account_closure, enums::ReactionKind, group, membership, post, session, thread, user,
};
use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, IntoIden, JoinType, Order, Query, SelectStatement},
    sqlx::{self, Postgres, Row, Sqlite},
    ActiveEnum, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Iterable,
    QueryResult,
};
use uuid::Uuid;

/// A row's columns read in order, by position. A page of posts reads
/// thousands of values: by name, each costs a formatted name and a search
/// of the row's columns, and each NULL a formatted error.
struct Cols<'r> {
    row: &'r QueryResult,
    at: usize,
}

impl<'r> Cols<'r> {
    fn new(row: &'r QueryResult) -> Self {
        Cols { row, at: 0 }
    }

    fn next<T>(&mut self) -> Result<T, DbErr>
    where
        T: for<'a> sqlx::Decode<'a, Postgres> + sqlx::Type<Postgres>,
        T: for<'a> sqlx::Decode<'a, Sqlite> + sqlx::Type<Sqlite>,
    {
        let i = self.at;
        self.at += 1;
        let got = if let Some(r) = self.row.try_as_pg_row() {
            r.try_get::<T, _>(i)
        } else if let Some(r) = self.row.try_as_sqlite_row() {
            r.try_get::<T, _>(i)
        } else {
            return Err(DbErr::Custom("unsupported database".into()));
        };
        got.map_err(|e| DbErr::Custom(format!("column {i}: {e}")))
    }

    fn enumerated<E: ActiveEnum<Value = String>>(&mut self) -> Result<E, DbErr> {
        E::try_from_value(&self.next::<String>()?)
    }

    fn skip(&mut self, n: usize) {
        self.at += n;
    }
}

/// Columns of a post, in the order [`post_at`] reads them.
const POST: [post::Column; 11] = [
    post::Column::Id,
    post::Column::ThreadId,
    post::Column::GroupId,
    post::Column::AuthorId,
    post::Column::Body,
    post::Column::ContentWarning,
    post::Column::ReplyToId,
    post::Column::State,
    post::Column::CreatedAt,
    post::Column::EditedAt,
    post::Column::Risk,
];

/// A post's columns, or None when its id is NULL (an empty outer join).
fn post_at(c: &mut Cols) -> Result<Option<post::Model>, DbErr> {
    let Some(id) = c.next::<Option<Uuid>>()? else {
        c.skip(POST.len() - 1);
        return Ok(None);
    };
    Ok(Some(post::Model {
        id,
        thread_id: c.next()?,
        group_id: c.next()?,
        author_id: c.next()?,
        body: c.next()?,
        content_warning: c.next()?,
        reply_to_id: c.next()?,
        state: c.enumerated()?,
        created_at: c.next()?,
        edited_at: c.next()?,
        risk: c.next()?,
    }))
}

/// Columns of an account, in the order [`user_at`] reads them. Not the
/// password hash: a page shows authors and never checks a password, and
/// the hash would travel once per post.
const USER: [user::Column; 6] = [
    user::Column::Id,
    user::Column::Handle,
    user::Column::DisplayName,
    user::Column::ExternalSubject,
    user::Column::Role,
    user::Column::CreatedAt,
];

/// An author as a page shows it, without the password hash.
fn user_at(c: &mut Cols) -> Result<Option<user::Model>, DbErr> {
    let Some(id) = c.next::<Option<Uuid>>()? else {
        c.skip(USER.len() - 1);
        return Ok(None);
    };
    Ok(Some(user::Model {
        id,
        handle: c.next()?,
        display_name: c.next()?,
        password_hash: None,
        external_subject: c.next()?,
        role: c.enumerated()?,
        created_at: c.next()?,
    }))
}

/// Selects `cols` from the table aliased `table`, in order.
fn listed<C: IntoIden + Copy>(q: &mut SelectStatement, table: &'static str, cols: &[C]) {
    for c in cols {
        q.expr(Expr::col((Alias::new(table), *c)));
    }
}

/// Selects every column of `E` from the table aliased `table`, each named
/// `<table>_<column>`.
fn columns<E: EntityTrait>(q: &mut SelectStatement, table: &'static str) {
    for c in E::Column::iter() {
        let name = sea_orm::IdenStatic::as_str(&c);
        q.expr_as(
            Expr::col((Alias::new(table), c.into_iden())),
            Alias::new(format!("{table}_{name}")),
        );
    }
}

fn col<C: IntoIden>(table: &'static str, c: C) -> Expr {
    Expr::col((Alias::new(table), c.into_iden()))
}

fn optional<M: FromQueryResult>(row: &QueryResult, table: &str) -> Result<Option<M>, DbErr> {
    M::from_query_result_optional(row, &format!("{table}_"))
}

/// What a token's session check finds.
pub struct SessionCheck {
    pub user: user::Model,
    /// The session named in the token exists and is not revoked.
    pub live: bool,
    /// The account has a closure pending: it is locked until then.
    pub closing: bool,
}

/// An account, whether the session named in its token is still live, and
/// whether a closure is pending: one statement.
pub async fn session_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<Option<SessionCheck>, DbErr> {
    let mut q = Query::select();
    q.from_as(user::Entity, Alias::new("u"));
    columns::<user::Entity>(&mut q, "u");
    q.expr_as(col("s", session::Column::Id), Alias::new("s_id"))
        .expr_as(col("c", account_closure::Column::Id), Alias::new("c_id"))
        .join_as(
            JoinType::LeftJoin,
            session::Entity,
            Alias::new("s"),
            Expr::col((Alias::new("s"), session::Column::Id))
                .eq(session_id)
                .and(col("s", session::Column::UserId).equals((Alias::new("u"), user::Column::Id)))
                .and(col("s", session::Column::RevokedAt).is_null()),
        )
        .join_as(
            JoinType::LeftJoin,
            account_closure::Entity,
            Alias::new("c"),
            col("c", account_closure::Column::UserId)
                .equals((Alias::new("u"), user::Column::Id))
                .and(col("c", account_closure::Column::CompletedAt).is_null())
                .and(col("c", account_closure::Column::CancelledAt).is_null()),
        )
        .and_where(col("u", user::Column::Id).eq(user_id))
        .limit(1);
    let Some(row) = conn.query_one(&q).await? else {
        return Ok(None);
    };
    let user = user::Model::from_query_result(&row, "u_")?;
    let live = row.try_get::<Option<Uuid>>("", "s_id")?.is_some();
    let closing = row.try_get::<Option<Uuid>>("", "c_id")?.is_some();
    Ok(Some(SessionCheck {
        user,
        live,
        closing,
    }))
}

/// A thread with the viewer's membership of its group, its author and its
/// group. Nothing here says the viewer may read it: the caller asks.
pub struct ThreadHead {
    pub thread: thread::Model,
    pub membership: Option<membership::Model>,
    pub author: Option<user::Model>,
    pub group: Option<group::Model>,
}

pub async fn thread_head(
    conn: &impl ConnectionTrait,
    id: Uuid,
    viewer: Uuid,
) -> Result<Option<ThreadHead>, DbErr> {
    let mut q = Query::select();
    q.from_as(thread::Entity, Alias::new("t"));
    columns::<thread::Entity>(&mut q, "t");
    columns::<membership::Entity>(&mut q, "m");
    columns::<user::Entity>(&mut q, "u");
    columns::<group::Entity>(&mut q, "g");
    q.join_as(
        JoinType::LeftJoin,
        membership::Entity,
        Alias::new("m"),
        col("m", membership::Column::GroupId)
            .equals((Alias::new("t"), thread::Column::GroupId))
            .and(col("m", membership::Column::UserId).eq(viewer)),
    )
    .join_as(
        JoinType::LeftJoin,
        user::Entity,
        Alias::new("u"),
        col("u", user::Column::Id).equals((Alias::new("t"), thread::Column::AuthorId)),
    )
    .join_as(
        JoinType::LeftJoin,
        group::Entity,
        Alias::new("g"),
        col("g", group::Column::Id).equals((Alias::new("t"), thread::Column::GroupId)),
    )
    .and_where(col("t", thread::Column::Id).eq(id));
    let Some(row) = conn.query_one(&q).await? else {
        return Ok(None);
    };
    Ok(Some(ThreadHead {
        thread: thread::Model::from_query_result(&row, "t_")?,
        membership: optional(&row, "m")?,
        author: optional(&row, "u")?,
        group: optional(&row, "g")?,
    }))
}

/// What to bring along with each post of a page.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostJoins {
    pub author: bool,
    pub reply: bool,
    pub reply_author: bool,
    /// Reaction counts by kind, and whether this viewer is among them.
    pub reactions_for: Option<Uuid>,
}

pub struct PostRow {
    pub post: post::Model,
    pub author: Option<user::Model>,
    pub reply: Option<post::Model>,
    pub reply_author: Option<user::Model>,
    /// (kind, count, the viewer's own), when asked for.
    pub reactions: Option<Vec<(ReactionKind, i64, bool)>>,
}

/// A post's reactions as one text column: each reaction's kind, marked
/// `+` when it is the viewer's, joined by commas. Counted here rather than
/// grouped in the database, which costs Postgres a third more per page; a
/// post has at most one reaction of each kind per member.
fn reactions_column(backend: DbBackend, viewer: Uuid) -> Expr {
    let (agg, param) = match backend {
        DbBackend::Postgres => ("string_agg", "$1"),
        _ => ("group_concat", "?"),
    };
    Expr::cust_with_values(
        format!(
            "(SELECT {agg}(x.kind || CASE WHEN x.user_id = {param} THEN '+' ELSE '' END, ',') \
             FROM reactions AS x WHERE x.post_id = \"p\".\"id\")"
        ),
        [viewer],
    )
}

fn parse_reactions(text: Option<String>) -> Result<Vec<(ReactionKind, i64, bool)>, DbErr> {
    let mut out: Vec<(ReactionKind, i64, bool)> = Vec::new();
    for item in text.iter().flat_map(|t| t.split(',')) {
        let (name, mine) = match item.strip_suffix('+') {
            Some(name) => (name, true),
            None => (item, false),
        };
        let kind = ReactionKind::try_from_value(&name.to_owned())
            .map_err(|_| DbErr::Custom(format!("reaction kind {name:?}")))?;
        // A handful of kinds: a linear scan beats a map.
        match out.iter_mut().find(|r| r.0 == kind) {
            Some(r) => {
                r.1 += 1;
                r.2 |= mine;
            }
            None => out.push((kind, 1, mine)),
        }
    }
    out.sort_by_key(|r| r.0);
    Ok(out)
}

/// Up to `limit` posts of a thread after (or, `backward`, before) a post,
/// in id order (descending when `backward`), with what `joins` asks for.
pub async fn thread_posts(
    conn: &impl ConnectionTrait,
    thread_id: Uuid,
    from: Option<Uuid>,
    backward: bool,
    limit: u64,
    joins: PostJoins,
) -> Result<Vec<PostRow>, DbErr> {
    let mut q = Query::select();
    q.from_as(post::Entity, Alias::new("p"));
    listed(&mut q, "p", &POST);
    if joins.author {
        listed(&mut q, "u", &USER);
        q.join_as(
            JoinType::LeftJoin,
            user::Entity,
            Alias::new("u"),
            col("u", user::Column::Id).equals((Alias::new("p"), post::Column::AuthorId)),
        );
    }
    let reply = joins.reply || joins.reply_author;
    if reply {
        listed(&mut q, "r", &POST);
        q.join_as(
            JoinType::LeftJoin,
            post::Entity,
            Alias::new("r"),
            col("r", post::Column::Id).equals((Alias::new("p"), post::Column::ReplyToId)),
        );
        if joins.reply_author {
            listed(&mut q, "ru", &USER);
            q.join_as(
                JoinType::LeftJoin,
                user::Entity,
                Alias::new("ru"),
                col("ru", user::Column::Id).equals((Alias::new("r"), post::Column::AuthorId)),
            );
        }
    }
    if let Some(viewer) = joins.reactions_for {
        q.expr(reactions_column(conn.get_database_backend(), viewer));
    }
    q.and_where(col("p", post::Column::ThreadId).eq(thread_id));
    if let Some(from) = from {
        let id = col("p", post::Column::Id);
        q.and_where(if backward { id.lt(from) } else { id.gt(from) });
    }
    q.order_by(
        (Alias::new("p"), post::Column::Id),
        if backward { Order::Desc } else { Order::Asc },
    )
    .limit(limit);
    let rows = conn.query_all(&q).await?;
    rows.iter()
        .map(|row| {
            let mut c = Cols::new(row);
            let post = post_at(&mut c)?
                .ok_or_else(|| DbErr::Custom("a page row without its post".into()))?;
            let author = if joins.author { user_at(&mut c)? } else { None };
            let reply = if reply { post_at(&mut c)? } else { None };
            let reply_author = if joins.reply_author {
                user_at(&mut c)?
            } else {
                None
            };
            let reactions = match joins.reactions_for {
                Some(_) => Some(parse_reactions(c.next()?)?),
                None => None,
            };
            Ok(PostRow {
                post,
                author,
                reply,
                reply_author,
                reactions,
            })
        })
        .collect()
}

/// What a write re-checks inside its transaction.
pub struct WriteStanding {
    pub membership: Option<membership::Model>,
    /// The group is archived (or being deleted).
    pub archived: bool,
    /// The thread asked for, when it is in this group.
    pub thread: Option<thread::Model>,
}

/// The viewer's membership of a group, whether the group is archived, and
/// optionally one of its threads, in one statement. None when the group
/// does not exist.
pub async fn write_standing(
    conn: &impl ConnectionTrait,
    group_id: Uuid,
    viewer: Uuid,
    thread_id: Option<Uuid>,
) -> Result<Option<WriteStanding>, DbErr> {
    let mut q = Query::select();
    q.from_as(group::Entity, Alias::new("g"));
    columns::<membership::Entity>(&mut q, "m");
    q.expr_as(
        col("g", group::Column::ArchivedAt),
        Alias::new("g_archived_at"),
    )
    .join_as(
        JoinType::LeftJoin,
        membership::Entity,
        Alias::new("m"),
        col("m", membership::Column::GroupId)
            .equals((Alias::new("g"), group::Column::Id))
            .and(col("m", membership::Column::UserId).eq(viewer)),
    );
    if let Some(thread_id) = thread_id {
        columns::<thread::Entity>(&mut q, "t");
        q.join_as(
            JoinType::LeftJoin,
            thread::Entity,
            Alias::new("t"),
            col("t", thread::Column::Id).eq(thread_id).and(
                col("t", thread::Column::GroupId).equals((Alias::new("g"), group::Column::Id)),
            ),
        );
    }
    q.and_where(col("g", group::Column::Id).eq(group_id));
    let Some(row) = conn.query_one(&q).await? else {
        return Ok(None);
    };
    let archived = row
        .try_get::<Option<chrono::DateTime<chrono::Utc>>>("", "g_archived_at")?
        .is_some();
    Ok(Some(WriteStanding {
        membership: optional::<membership::Model>(&row, "m")?,
        archived,
        thread: match thread_id {
            Some(_) => optional::<thread::Model>(&row, "t")?,
            None => None,
        },
    }))
}

//! Flags, their edits and the moderation log.
use super::*;

pub struct Flag(pub flag::Model);

impl Flag {
    /// A flag's copy of a post is the author's words: reading it is
    /// audited for anyone but the author.
    fn note_read(&self, ctx: &Context<'_>) -> Result<()> {
        rc(ctx)?.note_access(
            crate::domain::audit::AccessKind::FlagSnapshot,
            self.0.post_author_id,
            self.0.group_id,
            Some(self.0.post_id),
            Some(self.0.id),
        );
        Ok(())
    }
}

#[Object]
impl Flag {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Flag, self.0.id)
    }
    async fn post(&self, ctx: &Context<'_>) -> Result<Post> {
        let p = rc(ctx)?.load_post(self.0.post_id).await?;
        p.map(Post::from).ok_or_else(|| AppError::NotFound.into())
    }
    async fn reason(&self) -> FlagReason {
        self.0.reason.into()
    }
    async fn source(&self) -> FlagSource {
        self.0.source.into()
    }
    async fn priority(&self) -> FlagPriority {
        if self.0.urgent {
            FlagPriority::Urgent
        } else {
            FlagPriority::Normal
        }
    }
    async fn status(&self) -> FlagStatus {
        self.0.status.into()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The post's body when it was flagged: editing the post afterwards does
    /// not change it.
    /// Facilitators and admins only (null for anyone else, the reporter
    /// included): reading it is recorded in the author's access log.
    async fn body_snapshot(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        if !policy::see_flag(&standing, self.0.post_author_id) {
            return Ok(None);
        }
        if self.0.body_snapshot.is_some() {
            self.note_read(ctx)?;
        }
        Ok(self.0.body_snapshot.as_deref())
    }
    /// The post's text after each edit made since the flag was raised,
    /// oldest first: an edit never hides what was flagged. Facilitators and
    /// admins only (empty for anyone else); at most `first` (1 to 50).
    #[graphql(complexity = "5 + first.max(0) as usize")]
    async fn edits(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> Result<Vec<PostEdit>> {
        if !(1..=50).contains(&first) {
            return Err(AppError::bad_input("first must be between 1 and 50").into());
        }
        let edits = service::moderation::flag_edits(rc(ctx)?, &self.0, first as u64).await?;
        if !edits.is_empty() {
            self.note_read(ctx)?;
        }
        Ok(edits
            .into_iter()
            .map(|e| PostEdit {
                body: e.body,
                edited_at: e.edited_at,
            })
            .collect())
    }
    /// For a flag about a check-in (crisis language in its note, or a low
    /// mood trend): the check-in. `post` is then the session's check-in
    /// thread's opening post.
    async fn check_in(&self, ctx: &Context<'_>) -> Result<Option<CheckIn>> {
        let Some(id) = self.0.check_in_id else {
            return Ok(None);
        };
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        if !policy::see_flag(&standing, self.0.post_author_id) {
            return Ok(None);
        }
        match service::sessions::check_in(rc(ctx)?, id).await {
            Ok(c) => Ok(Some(CheckIn(c))),
            Err(AppError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    /// Never shown to members: only facilitators and admins see who flagged.
    async fn reporter(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        if !policy::see_flag_reporter(&standing) {
            return Ok(None);
        }
        load_user(ctx, self.0.reporter_id).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    async fn resolved_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.resolved_by).await
    }
    async fn resolution_note(&self) -> Option<&str> {
        self.0.resolution_note.as_deref()
    }
    /// When a facilitator or admin took the flag in hand (resolving or
    /// dismissing it counts). An URGENT flag still unacknowledged after the
    /// escalation interval escalates.
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    async fn acknowledged_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.acknowledged_by).await
    }
    /// When the flag escalated to every facilitator of the group and the
    /// platform's admins for want of an acknowledgement.
    async fn escalated_at(&self) -> Option<DateTime<Utc>> {
        self.0.escalated_at
    }
}

/// A flagged post's text after one edit.
#[derive(SimpleObject)]
pub struct PostEdit {
    pub body: String,
    pub edited_at: DateTime<Utc>,
}

pub struct ModerationAction(pub moderation_action::Model);

#[Object]
impl ModerationAction {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ModerationAction, self.0.id)
    }
    async fn action(&self) -> ModerationActionKind {
        self.0.action.into()
    }
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.actor_id).await
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn post(&self, ctx: &Context<'_>) -> Result<Option<Post>> {
        match self.0.post_id {
            None => Ok(None),
            Some(id) => Ok(rc(ctx)?
                .load_post(id)
                .await?
                .filter(|p| p.group_id == self.0.group_id)
                .map(Post::from)),
        }
    }
    async fn thread(&self, ctx: &Context<'_>) -> Result<Option<Thread>> {
        match self.0.thread_id {
            None => Ok(None),
            Some(id) => Ok(rc(ctx)?
                .load_thread(id)
                .await?
                .filter(|t| t.group_id == self.0.group_id)
                .map(Thread)),
        }
    }
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.member_id).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

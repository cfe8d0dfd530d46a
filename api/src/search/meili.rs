//! The Meilisearch backend. Documents carry the fields the permission
//! filter and the search filters need; bodies shown to clients come from
//! the database. Every write waits for its Meilisearch task, so a batch is
//! acknowledged (and its queue rows removed) only once it is searchable; a
//! failed task is an error the indexer retries and reports.
use super::{Change, DocState, IndexHits, IndexQuery, PostDoc, SearchError, SearchIndex, MAX_HITS};
use async_trait::async_trait;
use meilisearch_sdk::{
    client::Client,
    errors::{Error as MeiliError, ErrorCode},
    indexes::Index,
    search::{MatchingStrategies, Selectors},
    settings::{MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings},
    task_info::TaskInfo,
    tasks::Task,
};
use std::time::Duration;
use uuid::Uuid;

const POLL: Duration = Duration::from_millis(20);
const TASK_TIMEOUT: Duration = Duration::from_secs(30);

pub struct MeiliIndex {
    client: Client,
    index: Index,
}

/// The document as Meilisearch stores it: ids as strings, time as
/// microseconds so that range filters compare numbers.
#[derive(serde::Serialize, serde::Deserialize)]
struct Doc {
    id: String,
    group_id: String,
    thread_id: String,
    author_id: Option<String>,
    state: DocState,
    created_at: i64,
    body: String,
}

impl From<&PostDoc> for Doc {
    fn from(d: &PostDoc) -> Self {
        Doc {
            id: d.id.to_string(),
            group_id: d.group_id.to_string(),
            thread_id: d.thread_id.to_string(),
            author_id: d.author_id.map(|a| a.to_string()),
            state: d.state,
            created_at: d.created_at,
            body: d.body.clone(),
        }
    }
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: String,
}

fn unavailable(e: MeiliError) -> SearchError {
    SearchError::Unavailable(e.to_string())
}

/// The settings the index must have: only bodies are searched; everything
/// the filter string names is filterable; typo rules as the embedded index.
pub fn settings() -> Settings {
    Settings::new()
        .with_searchable_attributes(["body"])
        .with_filterable_attributes([
            "id",
            "group_id",
            "thread_id",
            "author_id",
            "state",
            "created_at",
        ])
        .with_sortable_attributes(["created_at"])
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: None,
            disable_on_words: None,
            min_word_size_for_typos: Some(MinWordSizeForTypos {
                one_typo: Some(5),
                two_typos: Some(9),
            }),
            disable_on_numbers: None,
        })
        .with_pagination(PaginationSetting {
            max_total_hits: MAX_HITS,
        })
}

fn quoted_list(ids: &[Uuid]) -> String {
    let items: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    format!("[{}]", items.join(", "))
}

/// The filter string for a query. Only UUIDs, numbers and fixed words go
/// into it, never client text.
pub fn filter_string(q: &IndexQuery) -> String {
    let mut access = Vec::new();
    if !q.visible_groups.is_empty() {
        access.push(format!(
            "(state = \"visible\" AND group_id IN {})",
            quoted_list(&q.visible_groups)
        ));
    }
    if !q.hidden_groups.is_empty() {
        access.push(format!(
            "(state = \"hidden\" AND group_id IN {})",
            quoted_list(&q.hidden_groups)
        ));
    }
    let mut parts = vec![format!("({})", access.join(" OR "))];
    if let Some(t) = q.thread_id {
        parts.push(format!("thread_id = \"{t}\""));
    }
    if let Some(a) = q.author_id {
        parts.push(format!("author_id = \"{a}\""));
    }
    if let Some(ids) = &q.post_ids {
        parts.push(format!("id IN {}", quoted_list(ids)));
    }
    if let Some(s) = q.since {
        parts.push(format!("created_at >= {}", s.timestamp_micros()));
    }
    if let Some(u) = q.until {
        parts.push(format!("created_at < {}", u.timestamp_micros()));
    }
    parts.join(" AND ")
}

impl MeiliIndex {
    pub fn new(url: &str, key: Option<&str>, index: &str) -> anyhow::Result<Self> {
        let client = Client::new(url, key)?;
        let index = client.index(index);
        Ok(MeiliIndex { client, index })
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        match task
            .wait_for_completion(&self.client, Some(POLL), Some(TASK_TIMEOUT))
            .await
            .map_err(unavailable)?
        {
            Task::Succeeded { .. } => Ok(()),
            Task::Failed { content } => Err(SearchError::TaskFailed {
                uid: content.task.uid,
                code: format!("{:?}", content.error.error_code),
                message: content.error.error_message,
            }),
            _ => Err(SearchError::Unavailable("task did not finish".into())),
        }
    }
}

#[async_trait]
impl SearchIndex for MeiliIndex {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn prepare(&self) -> Result<(), SearchError> {
        let created = self
            .client
            .create_index(&self.index.uid, Some("id"))
            .await
            .map_err(unavailable)?;
        match self.wait(created).await {
            Ok(()) => {}
            Err(SearchError::TaskFailed { code, .. })
                if code == format!("{:?}", ErrorCode::IndexAlreadyExists) => {}
            Err(e) => return Err(e),
        }
        let task = self
            .index
            .set_settings(&settings())
            .await
            .map_err(unavailable)?;
        self.wait(task).await
    }

    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        for c in &changes {
            match c {
                Change::Upsert(d) => upserts.push(Doc::from(d)),
                Change::Delete(id) => deletes.push(id.to_string()),
            }
        }
        // Each post appears once per batch, so the two tasks commute.
        let mut tasks = Vec::new();
        if !upserts.is_empty() {
            tasks.push(
                self.index
                    .add_or_replace(&upserts, Some("id"))
                    .await
                    .map_err(unavailable)?,
            );
        }
        if !deletes.is_empty() {
            tasks.push(
                self.index
                    .delete_documents(&deletes)
                    .await
                    .map_err(unavailable)?,
            );
        }
        for t in tasks {
            self.wait(t).await?;
        }
        Ok(())
    }

    async fn clear(&self) -> Result<(), SearchError> {
        let task = self
            .index
            .delete_all_documents()
            .await
            .map_err(unavailable)?;
        self.wait(task).await
    }

    async fn search(&self, q: &IndexQuery) -> Result<IndexHits, SearchError> {
        if q.finds_nothing() {
            return Ok(IndexHits::default());
        }
        // The analysed words, not the client's text: quotes and minus signs
        // are Meilisearch syntax and must not reach it.
        let text = q.terms.join(" ");
        let filter = filter_string(q);
        let res = self
            .index
            .search()
            .with_query(&text)
            .with_filter(&filter)
            .with_offset(q.offset)
            .with_limit(q.page_limit())
            .with_show_ranking_score(true)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_attributes_to_retrieve(Selectors::Some(&["id"]))
            .execute::<IdOnly>()
            .await
            .map_err(unavailable)?;
        let hits = res
            .hits
            .into_iter()
            .filter_map(|h| {
                Some((
                    Uuid::parse_str(&h.result.id).ok()?,
                    h.ranking_score.unwrap_or(0.0),
                ))
            })
            .collect();
        Ok(IndexHits {
            hits,
            total: res.estimated_total_hits.unwrap_or(0) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_string_names_only_ids_and_numbers() {
        let g = Uuid::nil();
        let q = IndexQuery {
            terms: vec!["x".into()],
            visible_groups: vec![g],
            hidden_groups: vec![],
            thread_id: Some(g),
            since: chrono::DateTime::from_timestamp_micros(5),
            ..Default::default()
        };
        assert_eq!(
            filter_string(&q),
            format!("((state = \"visible\" AND group_id IN [\"{g}\"])) AND thread_id = \"{g}\" AND created_at >= 5")
        );
    }
}

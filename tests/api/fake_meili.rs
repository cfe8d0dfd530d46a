//! A stand-in Meilisearch for fault injection only: it records what it is
//! sent and answers as the real server's API does, except when told to
//! misbehave.
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub auth: Option<String>,
    pub body: Value,
}

#[derive(Default)]
pub struct State {
    pub requests: Vec<Req>,
    next_task: u32,
    /// Document tasks end "failed".
    pub fail_tasks: bool,
    /// Searches answer with a Meilisearch error.
    pub fail_search: bool,
    /// Ids the next searches return, best first.
    pub hits: Vec<String>,
}

#[derive(Clone)]
pub struct FakeMeili {
    pub url: String,
    pub state: Arc<Mutex<State>>,
}

const T: &str = "2026-11-27T08:00:00Z";

fn error(status: u16, code: &str, kind: &str, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({
        "message": message,
        "code": code,
        "type": kind,
        "link": format!("https://docs.meilisearch.com/errors#{code}"),
    }))
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let mut s = state.lock().unwrap();
    let path = req.path().to_owned();
    let method = req.method().as_str().to_owned();
    s.requests.push(Req {
        method: method.clone(),
        path: path.clone(),
        auth: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let task = |s: &mut State, kind: &str, index: &str| {
        s.next_task += 1;
        // The task's type is encoded in its uid's hundreds, for GET /tasks.
        let uid = s.next_task * 100 + kind_code(kind);
        HttpResponse::Accepted().json(json!({
            "taskUid": uid, "indexUid": index, "status": "enqueued",
            "type": kind, "enqueuedAt": T,
        }))
    };
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["indexes"]) => {
            let index = s.requests.last().unwrap().body["uid"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            task(&mut s, "indexCreation", &index)
        }
        ("PATCH", ["indexes", index, "settings"]) => task(&mut s, "settingsUpdate", index),
        ("POST", ["indexes", index, "documents"]) => {
            task(&mut s, "documentAdditionOrUpdate", index)
        }
        ("POST", ["indexes", index, "documents", "delete-batch"])
        | ("DELETE", ["indexes", index, "documents"]) => task(&mut s, "documentDeletion", index),
        ("GET", ["tasks", uid]) => {
            let uid: u32 = uid.parse().unwrap_or(0);
            let kind = kind_name(uid % 100);
            let failed = s.fail_tasks && kind.starts_with("document");
            let mut t = json!({
                "uid": uid, "indexUid": "x", "status": if failed { "failed" } else { "succeeded" },
                "type": kind, "details": null, "duration": "PT0.001S",
                "enqueuedAt": T, "startedAt": T, "finishedAt": T, "canceledBy": null, "error": null,
            });
            if failed {
                t["error"] = json!({
                    "message": "Document identifier is invalid.",
                    "code": "invalid_document_id", "type": "invalid_request",
                    "link": "https://docs.meilisearch.com/errors#invalid_document_id",
                });
            }
            HttpResponse::Ok().json(t)
        }
        ("POST", ["indexes", _, "search"]) => {
            if s.fail_search {
                return error(
                    400,
                    "invalid_search_filter",
                    "invalid_request",
                    "Attribute `secret_field` is not filterable.",
                );
            }
            let hits: Vec<Value> = s
                .hits
                .iter()
                .enumerate()
                .map(|(i, id)| json!({"id": id, "_rankingScore": 0.9 - i as f64 * 0.1}))
                .collect();
            let n = hits.len();
            HttpResponse::Ok().json(json!({
                "hits": hits, "page": 1, "hitsPerPage": 20, "totalHits": n, "totalPages": 1,
                "processingTimeMs": 1, "query": "",
            }))
        }
        _ => error(404, "not_found", "invalid_request", "no such route"),
    }
}

fn kind_code(kind: &str) -> u32 {
    match kind {
        "indexCreation" => 1,
        "settingsUpdate" => 2,
        "documentAdditionOrUpdate" => 3,
        _ => 4,
    }
}

fn kind_name(code: u32) -> &'static str {
    match code {
        1 => "indexCreation",
        2 => "settingsUpdate",
        3 => "documentAdditionOrUpdate",
        _ => "documentDeletion",
    }
}

impl FakeMeili {
    pub fn start() -> FakeMeili {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        Self::start_on(listener)
    }

    pub fn start_on(listener: std::net::TcpListener) -> FakeMeili {
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state: Arc<Mutex<State>> = Default::default();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 << 20))
                .default_service(web::to(handle))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        FakeMeili { url, state }
    }

    pub fn requests(&self) -> Vec<Req> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests to paths ending with `suffix`.
    pub fn sent(&self, method: &str, suffix: &str) -> Vec<Req> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.ends_with(suffix))
            .collect()
    }
}

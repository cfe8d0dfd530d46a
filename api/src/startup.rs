//! Wiring: configuration in, a running server out.
use crate::{
    auth::jwt::JwtKeys,
    config::Config,
    domain::crisis::{default_support_resources, Detector, ExtraLexicon},
    graphql::{build_schema, build_ws_schema, HearthSchema},
    http,
    search::indexer::{IndexWorker, SearchIndexer, WORKER as SEARCH_WORKER},
    service::{
        moderation::escalation::{EscalationWorker, Escalator, WORKER as ESCALATION_WORKER},
        notifications::{NotificationWorker, Notifier, WORKER as NOTIFICATION_WORKER},
        push::{
            PushMetrics, PushWorker, Pusher, Vapid, URGENT_WORKER as URGENT_PUSH_WORKER,
            WORKER as PUSH_WORKER,
        },
        Services,
    },
    store,
    tasks::{CancellationToken, Supervisor},
    worker::WorkerMetrics,
};
use actix_web::{dev::Server, web, App, HttpServer};
use anyhow::Context;
use prometheus::{IntCounter, Registry};
use std::{net::TcpListener, sync::Arc, time::Duration};
use tracing_actix_web::TracingLogger;

/// Shared by every request: the use cases' context, and what only the HTTP
/// layer needs.
pub struct AppState {
    pub services: Arc<Services>,
    pub schema: HearthSchema,
    /// The same schema, finishing errors in streamed responses.
    pub ws_schema: HearthSchema,
    /// Parsed queries, by text.
    pub documents: crate::graphql::documents::Documents,
    pub registry: Registry,
    pub sql_statements: IntCounter,
    pub ws_connections: crate::ws::Connections,
    pub indexer: Arc<IndexWorker>,
    /// Escalates URGENT flags nobody acknowledged; runs on every instance
    /// (one at a time holds its lease).
    pub escalator: Arc<EscalationWorker>,
    /// Turns events into members' notifications.
    pub notifier: Arc<NotificationWorker>,
    /// Pushes notifications to members' devices.
    pub pusher: Arc<PushWorker>,
    /// Pushes urgent flags and escalations, on a queue of their own.
    pub urgent_pusher: Arc<PushWorker>,
    /// Builds exports, carries out closures, purges and sweeps retention.
    pub data_rights: Arc<crate::service::data_jobs::DataRightsWorker>,
    /// Opens check-in and closing threads, reminds, starts and ends sessions.
    pub session_worker: Arc<crate::service::session_jobs::SessionWorker>,
    /// Turns events into webhook deliveries.
    pub webhooks: Arc<crate::service::webhooks::WebhookWorker>,
    /// Signs and sends webhook deliveries, with retries.
    pub webhook_sender: Arc<crate::service::webhooks::Sender>,
    /// Every long-lived background task, stopped and joined on shutdown.
    pub tasks: Supervisor,
    /// Cancelled when the server begins to stop: WebSockets close with 1001.
    pub closing: CancellationToken,
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

impl AppState {
    pub async fn new(config: Config) -> anyhow::Result<Arc<Self>> {
        let registry = Registry::new();
        let sql_statements = IntCounter::new(
            "hearth_sql_statements_total",
            "SQL statements sent to the database",
        )?;
        registry.register(Box::new(sql_statements.clone()))?;
        let migrate = config.store.migrate || config.is_embedded_db();
        let tasks = Supervisor::new();
        let db = store::connect(&config, sql_statements.clone(), migrate)
            .await?
            .with_shared_bus(&config, &tasks)?;
        let jwt = JwtKeys::from_config(&config).context("loading JWT keys")?;
        let search = crate::search::open(&config).context("opening the search index")?;
        let background_statements = IntCounter::new(
            "hearth_sql_background_statements_total",
            "SQL statements sent by background work (search indexing, the live relay)",
        )?;
        registry.register(Box::new(background_statements.clone()))?;
        let background = db.background(&config, background_statements).await?;
        // Table upkeep holds a connection for a whole vacuum: not one of the
        // requests'.
        let upkeep_db = background.clone();
        let live_cache = Arc::new(crate::service::live::LiveCache::default());
        let relay = crate::service::live::relay::Relay::spawn(
            background.clone(),
            live_cache.clone(),
            config.live.subscription_buffer,
            config.store.redis_url.is_some(),
            &tasks,
        );
        let worker_metrics = WorkerMetrics::register(&registry)?;
        let indexer = Arc::new(
            IndexWorker::new(
                background.clone(),
                SEARCH_WORKER,
                Duration::from_secs(config.search.search_lease.max(1)),
                config.search.search_batch,
                SearchIndexer::new(
                    background.clone(),
                    search.clone(),
                    config.search.reindex_batch,
                ),
                &worker_metrics,
            )?
            .with_linger(Duration::from_millis(config.search.search_linger_ms)),
        );
        let escalator = Arc::new(EscalationWorker::new(
            background.clone(),
            ESCALATION_WORKER,
            Duration::from_secs(10),
            50,
            Escalator::new(background.clone(), config.safety.escalation_after()),
            &worker_metrics,
        )?);
        let notifier = Arc::new(NotificationWorker::new(
            background.clone(),
            NOTIFICATION_WORKER,
            Duration::from_secs(10),
            100,
            Notifier::new(background.clone()),
            &worker_metrics,
        )?);
        let vapid = Arc::new(
            Vapid::load(
                config.push.vapid_private_key_file.as_deref(),
                &config.store.data_dir,
                &config.push.vapid_subject,
            )
            .context("loading the VAPID key")?,
        );
        let audit = crate::service::audit::AuditWriter::spawn(
            db.clone(),
            Duration::from_secs(config.data.audit_coalesce_seconds),
        );
        let data_rights_wake = Arc::new(tokio::sync::Notify::new());
        let webhooks_wake = Arc::new(tokio::sync::Notify::new());
        let webhooks = Arc::new(crate::service::webhooks::WebhookWorker::new(
            background.clone(),
            crate::service::webhooks::WORKER,
            Duration::from_secs(10),
            100,
            crate::service::webhooks::Fanout::new(background.clone(), webhooks_wake.clone()),
            &worker_metrics,
        )?);
        let webhook_sender = Arc::new(crate::service::webhooks::Sender::new(
            background.clone(),
            webhooks_wake.clone(),
            config.webhooks.clone(),
            config.push.outbound_allow_private,
            crate::service::webhooks::WebhookMetrics::register(&registry)?,
        )?);
        let sessions_wake = Arc::new(tokio::sync::Notify::new());
        let session_worker = Arc::new(crate::service::session_jobs::SessionWorker::new(
            background.clone(),
            sessions_wake.clone(),
        ));
        let data_rights = Arc::new(crate::service::data_jobs::DataRightsWorker::new(
            background.clone(),
            config.data.clone(),
            data_rights_wake.clone(),
        ));
        let push_metrics = PushMetrics::register(&registry)?;
        let pusher = Arc::new(PushWorker::new(
            background.clone(),
            PUSH_WORKER,
            Duration::from_secs(10),
            50,
            Pusher::new(
                PUSH_WORKER,
                background.clone(),
                vapid.clone(),
                &config.push,
                push_metrics.clone(),
            )?,
            &worker_metrics,
        )?);
        let urgent_pusher = Arc::new(PushWorker::new(
            background.clone(),
            URGENT_PUSH_WORKER,
            Duration::from_secs(10),
            50,
            Pusher::new(
                URGENT_PUSH_WORKER,
                background,
                vapid.clone(),
                &config.push,
                push_metrics,
            )?,
            &worker_metrics,
        )?);
        tasks.spawn(
            "event pruner",
            store::events::prune_forever(db.clone(), config.store.event_retention_days),
        );
        if config.store.db_upkeep_seconds > 0 {
            tasks.spawn(
                "table upkeep",
                store::upkeep::run_forever(
                    upkeep_db,
                    Duration::from_secs(config.store.db_upkeep_seconds),
                ),
            );
        }
        crate::auth::password::warm_up();
        let schema = build_schema(&config);
        let ws_schema = build_ws_schema(&config);
        let config_session_cache_ms = config.auth.session_cache_ms;
        let config_redis_url = config.store.redis_url.clone();
        let config_namespace = store::namespace(&config);
        let support_resources = match &config.safety.support_resources {
            None => default_support_resources(),
            Some(path) => serde_json::from_slice(
                &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            )
            .with_context(|| format!("parsing {}", path.display()))?,
        };
        let extra: ExtraLexicon = match &config.safety.crisis_lexicon {
            None => ExtraLexicon::default(),
            Some(path) => serde_json::from_slice(
                &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            )
            .with_context(|| format!("parsing {}", path.display()))?,
        };
        let detector = Arc::new(Detector::with_lexicon(&extra).context("compiling the lexicon")?);
        let limits = store::limits::Limits::new(
            store::namespace(&config),
            config.store.redis_url.as_deref(),
        )
        .context("configuring rate limits")?;
        let services = Arc::new(Services {
            limits,
            draft_limiter: crate::service::safety::DraftLimiter::new(
                config.limits.draft_check_rate,
            ),
            config: Arc::new(config),
            detector,
            support_resources,
            db,
            jwt,
            sessions: crate::auth::session_cache::SessionCache::new(Duration::from_millis(
                config_session_cache_ms,
            )),
            live_cache,
            relay,
            search,
            vapid,
            data_rights_wake,
            sessions_wake,
            webhooks_wake,
            persisted: crate::store::persisted::PersistedQueries::new(
                config_namespace,
                config_redis_url.as_deref(),
            )?,
            audit,
        });
        tasks.spawn(
            "session cache",
            crate::service::accounts::forget_changed_users(services.clone()),
        );
        Ok(Arc::new(AppState {
            services,
            schema,
            ws_schema,
            documents: crate::graphql::documents::Documents::new(256),
            registry,
            sql_statements,
            ws_connections: Default::default(),
            indexer,
            escalator,
            notifier,
            pusher,
            urgent_pusher,
            data_rights,
            session_worker,
            webhooks,
            webhook_sender,
            tasks,
            closing: CancellationToken::new(),
        }))
    }
}

pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<(u16, Server)>,
    pub state: Arc<AppState>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.server.addr)
            .with_context(|| format!("binding {}", config.server.addr))?;
        let port = listener.local_addr()?.port();
        let state = AppState::new(config).await?;
        if state.config.search.search_indexer {
            let stop = state.tasks.token();
            state
                .tasks
                .spawn_with_token("search worker", state.indexer.clone().run(stop));
        }
        let stop = state.tasks.token();
        state
            .tasks
            .spawn_with_token("escalation worker", state.escalator.clone().run(stop));
        let stop = state.tasks.token();
        state
            .tasks
            .spawn_with_token("notifications worker", state.notifier.clone().run(stop));
        let stop = state.tasks.token();
        state
            .tasks
            .spawn_with_token("push worker", state.pusher.clone().run(stop));
        let stop = state.tasks.token();
        state
            .tasks
            .spawn_with_token("urgent push worker", state.urgent_pusher.clone().run(stop));
        let stop = state.tasks.token();
        state
            .tasks
            .spawn_with_token("data-rights worker", state.data_rights.clone().run(stop));
        let stop = state.tasks.token();
        state
            .tasks
            .spawn_with_token("sessions worker", state.session_worker.clone().run(stop));
        let stop = state.tasks.token();
        state
            .tasks
            .spawn_with_token("webhooks worker", state.webhooks.clone().run(stop));
        if state.config.webhooks.webhook_sender {
            let stop = state.tasks.token();
            state
                .tasks
                .spawn_with_token("webhook sender", state.webhook_sender.clone().run(stop));
        }
        let data = web::Data::from(state.clone());
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::<crate::telemetry::RedactingSpans>::new())
                .app_data(data.clone())
                .configure(http::routes)
        });
        if let Some(n) = state.config.server.workers {
            server = server.workers(n.max(1));
        }
        // Signals are ours (`run_until_stopped`): WebSockets must close
        // before actix can finish draining.
        let server = server.disable_signals().listen(listener)?.run();
        let metrics = match state.config.server.metrics_addr.as_str() {
            "off" => None,
            addr => {
                let listener = TcpListener::bind(addr)
                    .with_context(|| format!("binding the metrics listener {addr}"))?;
                let port = listener.local_addr()?.port();
                let data = web::Data::from(state.clone());
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .configure(http::metrics_routes)
                })
                .workers(1)
                .disable_signals()
                .listen(listener)?
                .run();
                Some((port, server))
            }
        };
        Ok(Application {
            port,
            server,
            metrics,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, unless it is off.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(p, _)| *p)
    }

    /// Serves until SIGTERM or SIGINT, then stops in order: stop
    /// accepting, close WebSockets with 1001 ("going away"), drain the
    /// requests in flight, then stop every background task and join it; the
    /// workers hand their leases back, so that another instance takes over
    /// at once instead of at expiry.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        let api = self.server.handle();
        let metrics = self.metrics.as_ref().map(|(_, s)| s.handle());
        // The servers are futures that must keep being polled while they
        // stop, so the signal is watched beside them.
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("stopping: closing WebSockets, draining requests");
            state.closing.cancel();
            api.stop(true).await;
            if let Some(m) = metrics {
                m.stop(true).await;
            }
        });
        let served = match self.metrics {
            Some((_, metrics)) => {
                let (api, _) = futures_util::future::join(self.server, metrics).await;
                api
            }
            None => self.server.await,
        };
        self.state.tasks.shutdown(Duration::from_secs(10)).await;
        tracing::info!("stopped");
        served
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGTERM; stopping on SIGINT only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

//! Wiring: configuration in, a running server out.
use crate::{
    auth::jwt::JwtKeys,
    config::Config,
    graphql::{build_schema, HearthSchema},
    http,
    store::{self, Db},
};
use actix_web::{dev::Server, web, App, HttpServer};
use anyhow::Context;
use prometheus::{IntCounter, Registry};
use std::{net::TcpListener, sync::Arc};
use tracing_actix_web::TracingLogger;

/// Shared by every request.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub jwt: JwtKeys,
    pub schema: HearthSchema,
    pub registry: Registry,
    pub sql_statements: IntCounter,
}

impl AppState {
    pub async fn new(config: Config) -> anyhow::Result<Arc<Self>> {
        let registry = Registry::new();
        let sql_statements = IntCounter::new(
            "hearth_sql_statements_total",
            "SQL statements sent to the database",
        )?;
        registry.register(Box::new(sql_statements.clone()))?;
        let migrate = config.migrate || config.is_embedded_db();
        let db = store::connect(&config, sql_statements.clone(), migrate).await?;
        let jwt = JwtKeys::from_config(&config).context("loading JWT keys")?;
        let schema = build_schema(&config);
        Ok(Arc::new(AppState {
            config: Arc::new(config),
            db,
            jwt,
            schema,
            registry,
            sql_statements,
        }))
    }
}

pub struct Application {
    port: u16,
    server: Server,
    pub state: Arc<AppState>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener =
            TcpListener::bind(&config.addr).with_context(|| format!("binding {}", config.addr))?;
        let port = listener.local_addr()?.port();
        let state = AppState::new(config).await?;
        let data = web::Data::from(state.clone());
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .configure(http::routes)
        });
        if let Some(n) = state.config.workers {
            server = server.workers(n.max(1));
        }
        let server = server.listen(listener)?.run();
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

//! The `hearth` command line.
use crate::{
    config::Config,
    service::accounts,
    startup::{AppState, Application},
    store, telemetry,
};
use clap::{Parser, Subcommand, ValueEnum};
use entity::enums::PlatformRole;

#[derive(Parser)]
#[command(
    name = "hearth",
    version,
    about = "Private forum backend for online therapy groups"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Rebuild the search index from the database (after switching
    /// backend, or to repair it). Takes the indexer lease from running
    /// servers for the duration; they resume indexing afterwards.
    Reindex,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Set a registered account's platform role.
    SetRole {
        #[arg(long)]
        handle: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Facilitator,
    Member,
}

impl From<RoleArg> for PlatformRole {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => PlatformRole::Admin,
            RoleArg::Facilitator => PlatformRole::Facilitator,
            RoleArg::Member => PlatformRole::Member,
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Serve => {
            telemetry::init(config.server.log_format);
            let app = Application::build(config).await?;
            tracing::info!(
                port = app.port(),
                "Hearth is serving GraphQL at /graphql and GraphiQL at /"
            );
            let stopped = app.run_until_stopped().await;
            // The exporter's last spans go out before the process ends.
            telemetry::shutdown();
            stopped?;
            Ok(())
        }
        Command::Migrate => {
            telemetry::init(config.server.log_format);
            let counter = prometheus::IntCounter::new("unused", "unused")?;
            store::connect(&config, counter, true).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Reindex => {
            telemetry::init(config.server.log_format);
            reindex(config).await
        }
        Command::User {
            command: UserCommand::SetRole { handle, role },
        } => {
            telemetry::init(config.server.log_format);
            // The database alone: no relay, pruner, bus or index.
            let counter = prometheus::IntCounter::new("unused", "unused")?;
            let migrate = config.store.migrate || config.is_embedded_db();
            let db = store::connect(&config, counter, migrate).await?;
            let user = accounts::set_role(&db, &handle, role.into())
                .await
                .map_err(|e| anyhow::anyhow!("{handle}: {e}"))?;
            println!("{} is now {:?}", user.handle, user.role);
            Ok(())
        }
    }
}

async fn reindex(config: Config) -> anyhow::Result<()> {
    use indicatif::{ProgressBar, ProgressStyle};
    use std::time::{Duration, Instant};
    let state = AppState::new(config).await?;
    let lease = state.indexer.lease();
    lease.take_over().await?;
    // A server that held the lease notices at its next renewal (a third of
    // the lease) and closes its writer; the embedded index allows one.
    let deadline = Instant::now() + lease.ttl() * 2;
    loop {
        match state.search.prepare().await {
            Ok(()) => break,
            Err(e) if Instant::now() < deadline => {
                tracing::debug!(error = %e, "waiting for the search index");
                tokio::time::sleep(Duration::from_millis(200)).await;
                lease.take_over().await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let bar = ProgressBar::new(0).with_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} posts  {elapsed} elapsed, eta {eta}",
    )?);
    let started = Instant::now();
    let result = state
        .indexer
        .handler()
        .rebuild(lease, &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    bar.finish_and_clear();
    lease.release().await?;
    state.tasks.shutdown(Duration::from_secs(5)).await;
    let n = result?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "indexed {n} posts into {} in {secs:.1} s ({:.0} posts/s)",
        state.search.name(),
        n as f64 / secs.max(1e-9)
    );
    Ok(())
}

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
            telemetry::init(config.log_format);
            let app = Application::build(config).await?;
            tracing::info!(
                port = app.port(),
                "Hearth is serving GraphQL at /graphql and GraphiQL at /"
            );
            app.run_until_stopped().await?;
            Ok(())
        }
        Command::Migrate => {
            telemetry::init(config.log_format);
            let counter = prometheus::IntCounter::new("unused", "unused")?;
            store::connect(&config, counter, true).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::User {
            command: UserCommand::SetRole { handle, role },
        } => {
            telemetry::init(config.log_format);
            let state = AppState::new(config).await?;
            let user = accounts::set_role(&state.db, &handle, role.into())
                .await
                .map_err(|e| anyhow::anyhow!("{handle}: {e}"))?;
            println!("{} is now {:?}", user.handle, user.role);
            Ok(())
        }
    }
}

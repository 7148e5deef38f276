//! The command line (clap derive). Every command that touches the database takes the same
//! [`DbArgs`]; values given here win over environment variables, the config file and defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Nền tảng đô thị thông minh Huế — the Huế smart-city platform.
#[derive(Debug, Parser)]
#[command(name = "smartcity", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (migrates the database first).
    Serve(ServeArgs),
    /// Create the database if needed and bring its schema up to date.
    Migrate(DbArgs),
    /// Load the Huế demo data (units, boundaries, demo accounts, procedures, dossiers); does nothing when already loaded.
    Demo(DemoArgs),
    /// Manage accounts from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Write the whole database as one JSON dump (to stdout by default).
    Export(ExportArgs),
    /// Load a JSON dump into an empty database (all or nothing).
    Import(ImportArgs),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Open311 partner API keys (created by an administrator; the secret is printed once, stored hashed).
    #[command(subcommand, name = "open311-key")]
    Open311Key(Open311KeyCommand),
    /// Feed the demo sensors live readings (diurnal air quality; `--storm` raises the rivers past BĐ2).
    Simulate(SimulateArgs),
}

/// Where the database is; shared by every command that opens it.
#[derive(Debug, Clone, Default, Args)]
pub struct DbArgs {
    /// Data directory; the default SQLite database is `smartcity.db` inside it [default: ./data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (postgres://…, postgresql://… or sqlite:PATH) instead of the data directory's SQLite file.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// TOML configuration file [default: ./smartcity.toml when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `smartcity serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Load the demo data when it is not loaded yet, and print the demo accounts.
    #[arg(long)]
    pub demo: bool,
    /// Subscribe to this MQTT broker for SensorThings Observations (`mqtt://host:port`); off when absent.
    #[arg(long, value_name = "URL", env = "SMARTCITY_MQTT_URL")]
    pub mqtt_url: Option<String>,
    /// MQTT client id (a stable id keeps the broker session, and unacknowledged messages, across restarts).
    #[arg(long, value_name = "ID", default_value = "smartcity", env = "SMARTCITY_MQTT_CLIENT_ID")]
    pub mqtt_client_id: String,
    /// Run the demo sensor simulator inside the server (a round every 10 seconds).
    #[arg(long)]
    pub simulate: bool,
    /// With --simulate: the storm scenario (Kim Long rises past BĐ2).
    #[arg(long)]
    pub storm: bool,
}

/// `smartcity simulate`.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The storm scenario: rivers rise 0.6 m a round; Kim Long passes BĐ2 on the third round.
    #[arg(long)]
    pub storm: bool,
    /// Stop after this many rounds (runs until interrupted otherwise).
    #[arg(long, value_name = "N")]
    pub rounds: Option<u32>,
    /// Seconds between rounds.
    #[arg(long, value_name = "S", default_value_t = 10)]
    pub every: u64,
}

/// `smartcity demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Also generate N synthetic dossiers (spread over the wards, procedures, channels and the
    /// last three years, in all statuses) for benchmarks; added on every run.
    #[arg(long, value_name = "N")]
    pub dossiers: Option<u64>,
    /// Also generate N synthetic field reports (spread over the wards, categories, statuses and the last two
    /// years) for benchmarks; added on every run.
    #[arg(long, value_name = "N")]
    pub reports: Option<u64>,
    /// Also generate N published portal articles (spread over every unit's site, searchable) for the portal
    /// benchmark; added on every run.
    #[arg(long, value_name = "N")]
    pub articles: Option<u64>,
}

/// `smartcity open311-key …`.
#[derive(Debug, Subcommand)]
pub enum Open311KeyCommand {
    /// Create a key for a partner and print its secret (shown this once).
    Add(Open311KeyAddArgs),
    /// List the keys (never their secrets).
    List(DbArgs),
    /// Revoke a key by id; the partner's next request is refused.
    Revoke(Open311KeyRevokeArgs),
}

/// `smartcity open311-key add NAME`.
#[derive(Debug, Clone, Args)]
pub struct Open311KeyAddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The partner, e.g. "FixMyStreet Huế".
    pub name: String,
}

/// `smartcity open311-key revoke ID`.
#[derive(Debug, Clone, Args)]
pub struct Open311KeyRevokeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The key's id, as `open311-key list` shows it.
    pub id: uuid::Uuid,
}

/// `smartcity user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (a citizen unless --staff).
    Add(UserAddArgs),
    /// Set an account's password; its sessions end.
    Passwd(UserPasswdArgs),
    /// Grant a role on a unit (inherited by the unit's subtree).
    Grant(UserGrantArgs),
}

/// How a password reaches the command: typed on stdin (preferred, stays out of shell history) or
/// as an argument.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// The password itself (visible in the process list and shell history; prefer --password-stdin).
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
}

/// `smartcity user add`.
#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Login email.
    #[arg(long)]
    pub email: String,
    /// Vietnamese mobile number, also usable to log in.
    #[arg(long)]
    pub phone: Option<String>,
    /// Full name as shown to others.
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Create a staff account (cán bộ) instead of a citizen account.
    #[arg(long)]
    pub staff: bool,
    /// Personal identification number (CCCD, 12 digits).
    #[arg(long, value_name = "ID")]
    pub citizen_id: Option<String>,
}

/// `smartcity user passwd`.
#[derive(Debug, Clone, Args)]
pub struct UserPasswdArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Email of the account.
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `smartcity user grant`.
#[derive(Debug, Clone, Args)]
pub struct UserGrantArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Email of the account.
    #[arg(long)]
    pub email: String,
    /// Role code: citizen, reception_officer, processing_officer, unit_leader, editor, ioc_operator, administrator.
    #[arg(long)]
    pub role: String,
    /// Unit code: 46, a ward such as 19753, or an agency such as 46.TTHCC.
    #[arg(long)]
    pub unit: String,
}

/// `smartcity export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// File to write, or `-` for standard output [default: -].
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// One line of JSON instead of indented JSON.
    #[arg(long)]
    pub compact: bool,
}

/// `smartcity import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Dump written by `smartcity export`, or `-` for standard input.
    #[arg(long, value_name = "PATH")]
    pub file: PathBuf,
}

/// `smartcity audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole hash chain; exit code 1 and the first broken record when it fails.
    Verify(DbArgs),
}

impl Command {
    /// The database options of the command (every command has them).
    pub fn db_args(&self) -> &DbArgs {
        match self {
            Command::Serve(a) => &a.db,
            Command::Migrate(db) => db,
            Command::Demo(a) => &a.db,
            Command::User(UserCommand::Add(a)) => &a.db,
            Command::User(UserCommand::Passwd(a)) => &a.db,
            Command::User(UserCommand::Grant(a)) => &a.db,
            Command::Export(a) => &a.db,
            Command::Import(a) => &a.db,
            Command::Audit(AuditCommand::Verify(db)) => db,
            Command::Open311Key(Open311KeyCommand::Add(a)) => &a.db,
            Command::Open311Key(Open311KeyCommand::List(db)) => db,
            Command::Open311Key(Open311KeyCommand::Revoke(a)) => &a.db,
            Command::Simulate(a) => &a.db,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_password_must_come_from_exactly_one_place() {
        let both = ["smartcity", "user", "passwd", "--email", "a@b.vn", "--password", "x", "--password-stdin"];
        assert!(Cli::try_parse_from(both).is_err());
        let none = ["smartcity", "user", "passwd", "--email", "a@b.vn"];
        assert!(Cli::try_parse_from(none).is_err());
    }
}

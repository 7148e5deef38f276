//! The commands behind the CLI, and what they share: loading settings, opening the store, and
//! how a failure reaches the terminal (exit code 2 for configuration, 1 for everything else).

mod audit;
mod dump;
mod open311_keys;
mod serve;
mod users;

use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use smartcity_domain::ValidationError;
use smartcity_store::{Store, StoreError};
use tracing_subscriber::EnvFilter;

use crate::cli::{AuditCommand, Cli, Command, DbArgs, Open311KeyCommand, UserCommand};
use crate::config::{Flags, Settings};
use crate::demo;

/// Run one command line to completion and say how the process should exit.
pub fn run(cli: Cli) -> ExitCode {
    let settings = match settings_for(&cli.command) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command, settings)) {
        Ok(code) => code,
        Err(err) => {
            match err.downcast_ref::<Refusal>() {
                Some(refusal) => eprintln!("lỗi: {}\nerror: {}", refusal.vi, refusal.en),
                None => eprintln!("error: {err:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn settings_for(command: &Command) -> Result<Settings, crate::config::ConfigError> {
    let DbArgs { data_dir, database_url, config } = command.db_args().clone();
    let listen = match command {
        Command::Serve(args) => args.listen.clone(),
        _ => None,
    };
    Settings::load(config.as_deref(), &Flags { listen, data_dir, database_url })
}

/// Logs go to stderr (stdout carries `export` dumps); `RUST_LOG` filters, `info` by default
/// without PostgreSQL's notices ("relation … already exists, skipping" on every migrate). Colours
/// only on a terminal, and never with `NO_COLOR` set.
fn init_tracing() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx::postgres::notice=warn"));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // Fails only when a subscriber is already installed (tests calling `run` twice).
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour).try_init();
}

async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::serve(&settings, &args).await?,
        Command::Migrate(_) => {
            let store = open_store(&settings, Open::CreateIfMissing).await?;
            store.close().await;
            println!("database is up to date: {}", database_label(&settings));
        }
        Command::Demo(args) => {
            let store = open_store(&settings, Open::CreateIfMissing).await?;
            let done = demo_command(&store, &settings, args.dossiers, args.reports, args.articles).await;
            store.close().await;
            done?;
        }
        Command::User(UserCommand::Add(args)) => users::add(&settings, args).await?,
        Command::User(UserCommand::Passwd(args)) => users::passwd(&settings, args).await?,
        Command::User(UserCommand::Grant(args)) => users::grant(&settings, args).await?,
        Command::Export(args) => dump::export(&settings, args).await?,
        Command::Import(args) => dump::import(&settings, args).await?,
        Command::Audit(AuditCommand::Verify(_)) => return audit::verify(&settings).await,
        Command::Open311Key(Open311KeyCommand::Add(args)) => open311_keys::add(&settings, &args.name).await?,
        Command::Open311Key(Open311KeyCommand::List(_)) => open311_keys::list(&settings).await?,
        Command::Open311Key(Open311KeyCommand::Revoke(args)) => open311_keys::revoke(&settings, args.id).await?,
        Command::Simulate(args) => {
            let store = open_store(&settings, Open::CreateIfMissing).await?;
            let state = smartcity_web::AppState::new(store.clone(), smartcity_web::WebConfig::default());
            let done =
                serve::simulate(&state, args.storm, args.rounds, std::time::Duration::from_secs(args.every)).await;
            store.close().await;
            done?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `smartcity demo [--dossiers N] [--reports N] [--articles N]`: load what is missing, then generate the synthetic
/// dossiers, field reports and portal articles.
async fn demo_command(
    store: &Store,
    settings: &Settings,
    synthetic: Option<u64>,
    reports: Option<u64>,
    articles: Option<u64>,
) -> anyhow::Result<()> {
    if demo::load_demo(store).await? {
        println!("demo data loaded into {}", database_label(settings));
        print!("{}", demo::demo_accounts_table());
    } else {
        println!("demo data already present (or unit 46 holds real data); nothing loaded");
    }
    if let Some(count) = synthetic.filter(|n| *n > 0) {
        if !demo::demo_loaded(store).await? {
            return Err(Refusal {
                vi: "cơ sở dữ liệu này không chứa dữ liệu dùng thử; không tạo hồ sơ tổng hợp.".into(),
                en: "this database does not hold the demo data; no synthetic dossiers generated.".into(),
            }
            .into());
        }
        let generated = demo::generate_dossiers(store, count).await.context("generating synthetic dossiers")?;
        println!(
            "{} synthetic dossiers generated in {:.2} s ({:.0} dossiers/s)",
            generated.dossiers,
            generated.elapsed.as_secs_f64(),
            generated.rate()
        );
    }
    if let Some(count) = reports.filter(|n| *n > 0) {
        if !demo::demo_loaded(store).await? {
            return Err(Refusal {
                vi: "cơ sở dữ liệu này không chứa dữ liệu dùng thử; không tạo phản ánh tổng hợp.".into(),
                en: "this database does not hold the demo data; no synthetic reports generated.".into(),
            }
            .into());
        }
        let made = demo::generate_reports(store, count, 2 * 365).await.context("generating synthetic reports")?;
        println!(
            "{} synthetic field reports generated in {:.2} s ({:.0} reports/s)",
            made.reports,
            made.elapsed.as_secs_f64(),
            made.rate()
        );
    }
    if let Some(count) = articles.filter(|n| *n > 0) {
        let (written, elapsed) =
            demo::portal::generate_articles(store, count).await.context("generating portal articles")?;
        println!(
            "{written} portal articles generated in {:.2} s ({:.0} articles/s)",
            elapsed.as_secs_f64(),
            written as f64 / elapsed.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}

/// Whether a command may create the database it is pointed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `serve`, `migrate`, `demo`, `user`, `import`: create the SQLite file when missing.
    CreateIfMissing,
    /// `export`, `audit verify`: a missing SQLite file is almost surely a wrong `--data-dir`.
    MustExist,
}

/// The SQLite file the settings point at, if they point at SQLite.
fn sqlite_path(settings: &Settings) -> Option<PathBuf> {
    match settings.database_url.as_deref() {
        None => Some(settings.data_dir.join("smartcity.db")),
        Some(url) => url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).map(PathBuf::from),
    }
}

/// "SQLite database data/smartcity.db" or "PostgreSQL database postgres://…@host/db" (never the password).
fn database_label(settings: &Settings) -> String {
    match (sqlite_path(settings), settings.database_url.as_deref()) {
        (Some(path), _) => format!("SQLite database {}", path.display()),
        (None, Some(url)) => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            let host = host.split_once('?').map_or(host, |(host, _)| host);
            format!("PostgreSQL database {scheme}://{host}")
        }
        (None, None) => "database".into(),
    }
}

/// Open the configured database and bring its schema up to date.
async fn open_store(settings: &Settings, open: Open) -> anyhow::Result<Store> {
    if open == Open::MustExist
        && let Some(path) = sqlite_path(settings)
        && !path.is_file()
    {
        return Err(Refusal {
            vi: format!("không có cơ sở dữ liệu tại {}; hãy kiểm tra --data-dir / --database-url.", path.display()),
            en: format!("there is no database at {}; check --data-dir / --database-url.", path.display()),
        }
        .into());
    }
    let label = database_label(settings);
    let store = match &settings.database_url {
        Some(url) => Store::open_url(url).await,
        None => Store::open_sqlite_in(&settings.data_dir).await,
    }
    .with_context(|| format!("cannot open the {label}"))?;
    store.migrate().await.with_context(|| format!("cannot bring the schema of the {label} up to date"))?;
    tracing::debug!(database = %label, backend = store.backend().as_str(), "database ready");
    Ok(store)
}

/// Something the operator asked for that cannot be done as asked, explained in Vietnamese and
/// English (wrong input, a conflict, a non-empty import target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub vi: String,
    pub en: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.en, self.vi)
    }
}

impl std::error::Error for Refusal {}

impl From<ValidationError> for Refusal {
    fn from(err: ValidationError) -> Self {
        Refusal { vi: err.vi, en: err.en }
    }
}

/// A store failure as the operator should see it: broken rules become a [`Refusal`].
fn store_failure(err: StoreError) -> anyhow::Error {
    match err {
        StoreError::Invalid(invalid) => Refusal::from(invalid).into(),
        other => other.into(),
    }
}

//! `smartcity serve`: open and migrate the store, optionally load the demo, serve the router until
//! SIGINT/SIGTERM, let requests in flight finish, then close the store. Background tasks purge
//! expired sessions every hour and turn outbox events into notifications every two seconds; the same loop closes
//! expired unpaid payments once a minute.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use smartcity_store::{OperationsStore, SessionStore, Store};
use smartcity_web::{AppState, WebConfig};
use tokio::sync::watch;

use super::{Open, database_label, open_store};
use crate::cli::ServeArgs;
use crate::config::Settings;
use crate::demo;
use smartcity_web::sensing::mqtt::MqttConfig;

/// How long requests in flight may take to finish after a shutdown signal before their
/// connections are dropped (long-lived streams would otherwise hold the process forever).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// How often expired sessions are deleted.
const SESSION_PURGE_EVERY: Duration = Duration::from_secs(3600);
/// How often pending outbox events are delivered as notifications.
const OUTBOX_EVERY: Duration = Duration::from_secs(2);
/// Most outbox events delivered per round.
const OUTBOX_BATCH: i64 = 100;
/// Outbox rounds between two sweeps of expired payments (30 × 2 s = one minute).
const PAYMENT_EXPIRY_ROUNDS: u64 = 30;

pub(super) async fn serve(settings: &Settings, args: &ServeArgs) -> anyhow::Result<()> {
    let with_demo = args.demo;
    let store = open_store(settings, Open::CreateIfMissing).await?;
    tracing::info!(database = %database_label(settings), "database ready");
    let procedures = store
        .ensure_sop_defaults(
            &smartcity_store::AuditContext::system("operations:sop-defaults"),
            &smartcity_domain::operations::sop::DEFAULT_PROCEDURES,
        )
        .await
        .context("writing the starting alarm procedures")?;
    if procedures > 0 {
        tracing::info!(alarm_types = procedures, "starting alarm procedures written");
    }
    if with_demo && demo::load_demo(&store).await.context("loading the demo data")? {
        tracing::info!("demo data loaded");
    }

    let state = AppState::new(
        store.clone(),
        WebConfig {
            secure_cookies: settings.secure_cookies,
            session_hours: settings.session_hours,
            payments: settings.payment_config(),
            map_tiles_url: settings.map_tiles_url.clone(),
        },
    );
    let mqtt = match &args.mqtt_url {
        Some(url) => {
            let mut config = MqttConfig::new(url);
            config.client_id = args.mqtt_client_id.clone();
            tracing::info!(%url, "MQTT ingest on");
            Some(smartcity_web::sensing::mqtt::spawn(state.clone(), config).context("starting MQTT ingest")?)
        }
        None => None,
    };
    let simulator = args.simulate.then(|| {
        let state = state.clone();
        let storm = args.storm;
        tokio::spawn(async move {
            if let Err(e) = simulate(&state, storm, None, SIMULATE_EVERY).await {
                tracing::warn!(error = %e, "the sensor simulator stopped");
            }
        })
    });
    let device_state = state.clone();
    let app = smartcity_web::router(state);
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    println!("smartcity listening on http://{address}");
    if with_demo {
        print!("{}", demo::demo_accounts_table());
    }

    let (stopping, stop_requested) = watch::channel(false);
    let devices = tokio::spawn(watch_devices(device_state, stop_requested.clone()));
    let purge = tokio::spawn(purge_expired_sessions_hourly(store.clone(), stop_requested.clone()));
    let relay = match &settings.smtp_url {
        Some(url) => Some(crate::mail::SmtpRelay::new(url, &settings.mail_from)?),
        None => None,
    };
    if relay.is_none() {
        tracing::info!("no smtp_url: notification mails stay in the outbox (/admin/mail)");
    }
    let outbox = tokio::spawn(deliver_notifications(store.clone(), relay, stop_requested.clone()));
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(
        async move {
            shutdown_signal().await;
            // Receivers live until the end of this function; a send cannot fail before.
            let _ = stopping.send(true);
        },
    );
    let mut grace = stop_requested.clone();
    tokio::select! {
        served = server.into_future() => served.context("serving HTTP")?,
        () = async {
            let _ = grace.wait_for(|stop| *stop).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => tracing::warn!("requests still running {} s after the shutdown signal; dropping them", SHUTDOWN_GRACE.as_secs()),
    }
    if let Err(err) = purge.await {
        tracing::warn!(error = %err, "the session purge task ended abnormally");
    }
    if let Err(err) = outbox.await {
        tracing::warn!(error = %err, "the notification task ended abnormally");
    }
    for task in [mqtt, simulator].into_iter().flatten() {
        task.abort();
    }
    devices.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How often the simulator started by `serve --simulate` sends a round of readings.
const SIMULATE_EVERY: Duration = Duration::from_secs(10);
/// How often device silence is checked.
const DEVICES_EVERY: Duration = Duration::from_secs(60);

/// Feeds the demo sensors: a round of readings every `every`, `rounds` times (forever when `None`).
pub(super) async fn simulate(
    state: &AppState,
    storm: bool,
    rounds: Option<u32>,
    every: Duration,
) -> anyhow::Result<()> {
    let streams = demo::sensing::demo_streams(&state.store).await?;
    anyhow::ensure!(!streams.is_empty(), "no demo sensors in this database; run `smartcity demo` first");
    let mut round = 0;
    loop {
        let n = demo::sensing::simulate_tick(state, &streams, round, storm).await?;
        tracing::info!(round, readings = n, storm, "simulated sensor round");
        round += 1;
        if rounds.is_some_and(|r| round >= r) {
            return Ok(());
        }
        tokio::time::sleep(every).await;
    }
}

/// Raises (or clears) `device_silent` alarms every minute until shutdown.
async fn watch_devices(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = smartcity_web::sensing::alarms::check_devices(&state, chrono::Utc::now()).await {
            tracing::warn!(error = %e, "device check failed");
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(DEVICES_EVERY) => {}
        }
    }
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM (systemd, containers).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let name = tokio::select! {
        () = interrupt => "SIGINT",
        () = terminate => "SIGTERM",
    };
    tracing::info!(signal = name, "shutting down: finishing requests in flight");
}

/// Delete expired sessions now and every hour until shutdown. A purge that has started finishes
/// before the task notices the shutdown, so the store is never closed under it.
async fn purge_expired_sessions_hourly(store: Store, mut stop_requested: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(SESSION_PURGE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stop = async {
            // The guard `wait_for` returns is not `Send`; keep it inside this block.
            let _ = stop_requested.wait_for(|stop| *stop).await;
        };
        tokio::select! {
            _ = every.tick() => {}
            () = stop => break,
        }
        match store.purge_expired_sessions(smartcity_store::now()).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired sessions deleted"),
            Err(err) => tracing::warn!(error = %err, "cannot delete expired sessions"),
        }
    }
}

/// Deliver pending outbox events (notification mails) every two seconds until shutdown, and hand
/// unsent mails to the SMTP relay when one is configured. A round that has started finishes before
/// the task notices the shutdown, so the store is never closed under it; a failed round is logged
/// and retried on the next tick.
async fn deliver_notifications(
    store: Store,
    relay: Option<crate::mail::SmtpRelay>,
    mut stop_requested: watch::Receiver<bool>,
) {
    let mut every = tokio::time::interval(OUTBOX_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rounds: u64 = 0;
    loop {
        let stop = async {
            let _ = stop_requested.wait_for(|stop| *stop).await;
        };
        tokio::select! {
            _ = every.tick() => {}
            () = stop => break,
        }
        // Once a minute, close the payments whose time at the gateway ran out.
        rounds += 1;
        if rounds % PAYMENT_EXPIRY_ROUNDS == 1 {
            match smartcity_web::payments::expire_due(&store).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "unpaid payments expired"),
                Err(err) => tracing::warn!(error = %err, "cannot expire unpaid payments"),
            }
        }
        // A panic inside one round must not end the worker: run the round as its own task.
        let round = tokio::spawn({
            let (store, relay) = (store.clone(), relay.clone());
            async move {
                // Field-report deadline reminders and escalations become outbox events first.
                smartcity_web::reports::notifications::remind_due_reports(&store, chrono::Utc::now(), OUTBOX_BATCH)
                    .await?;
                let delivered = smartcity_web::dossiers::notifications::deliver_pending(&store, OUTBOX_BATCH).await;
                if let Some(relay) = relay {
                    match crate::mail::send_pending(&store, &relay, OUTBOX_BATCH).await {
                        Ok(round) if round.sent > 0 => tracing::debug!(sent = round.sent, "mails sent"),
                        Ok(_) => {}
                        Err(err) => tracing::warn!(error = %err, "cannot send mails"),
                    }
                }
                delivered
            }
        });
        match round.await {
            Ok(Ok(0)) => {}
            Ok(Ok(delivered)) => tracing::debug!(delivered, "outbox events delivered"),
            Ok(Err(err)) => tracing::warn!(error = %err, "cannot deliver outbox events"),
            Err(err) => tracing::error!(error = %err, "the notification round ended abnormally"),
        }
    }
}

//! `smartcity demo`: the Huế demo installation, loaded once; `demo --dossiers N` adds synthetic dossiers.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use smartcity_domain::dossiers::DossierStatus;
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::portable::Tables;
use smartcity_store::units::NewUnit;
use smartcity_store::{AuditContext, DossierStore, IdentityStore, OutboxStore, ProcedureStore, Store, UnitStore};

use crate::support::Installation;

/// Dossiers per status code (1–10).
fn dossiers_by_status(tables: &Tables) -> BTreeMap<i64, usize> {
    let mut counts = BTreeMap::new();
    for dossier in &tables.dossiers {
        *counts.entry(dossier.status).or_default() += 1;
    }
    counts
}

#[test]
fn demo_loads_the_city_its_forty_units_nine_agencies_and_eight_accounts() {
    let site = Installation::new();
    let out = site.run(&["demo"]).success();
    assert!(out.stdout.contains("demo data loaded"), "{}", out.stdout);
    for (_, email, password) in smartcity::demo::DEMO_ACCOUNTS {
        assert!(out.stdout.contains(email) && out.stdout.contains(password), "{}", out.stdout);
    }

    let tables = site.tables();
    let kinds = |kind: &str| tables.units.iter().filter(|u| u.kind == kind).count();
    assert_eq!((kinds("city"), kinds("ward"), kinds("commune"), kinds("agency")), (1, 21, 19, 9));
    assert_eq!(tables.units.len(), 1 + 40 + 9);
    assert_eq!(tables.unit_boundaries.len(), 40);
    // The eight role accounts (with the reports unit officer), and the portal's editor and leader of Phường Kim Long.
    assert_eq!(tables.accounts.len(), 8 + 2);
    assert_eq!(tables.role_grants.len(), 8 + 2);
    for (_, email, password, _, _) in smartcity::demo::portal::PORTAL_ACCOUNTS {
        assert!(out.stdout.contains(email) && out.stdout.contains(password), "{}", out.stdout);
    }
    // Every unit has its site; one flood warning is in force.
    assert_eq!(tables.portal_sites.len(), 50);
    assert_eq!(tables.portal_warnings.len(), 1);
    assert!(tables.search_documents.iter().any(|d| d.title_vi == "Lăng Tự Đức"));
    assert_eq!(tables.organisations.len(), 1);
    assert_eq!(tables.ecards.len(), 1);

    let phu_xuan = tables.units.iter().find(|u| u.code == "19753").expect("Phường Phú Xuân");
    assert_eq!((phu_xuan.name_vi.as_str(), phu_xuan.name_en.as_str()), ("Phường Phú Xuân", "Phu Xuan Ward"));
    let a_luoi = tables.units.iter().find(|u| u.code == "20056").expect("Xã A Lưới 1");
    assert_eq!(a_luoi.name_en, "A Luoi 1 Commune");
    let city = tables.units.iter().find(|u| u.code == "46").expect("the city");
    assert_eq!(
        (city.name_en.as_str(), city.valid_from),
        ("Huế City", NaiveDate::from_ymd_opt(2025, 7, 1).expect("date"))
    );

    let citizen = tables.accounts.iter().find(|a| a.email.as_deref() == Some("citizen@hue.demo")).expect("citizen");
    assert_eq!(citizen.kind, "citizen");
    assert_eq!(citizen.citizen_id.as_deref(), Some("046090001234"));
    assert_eq!(citizen.phone.as_deref(), Some("0905123456"));
    assert_eq!(tables.ecards[0].account_id, citizen.id);
    assert_eq!(tables.organisations[0].representative_id, citizen.id);
    let grant_of = |email: &str| {
        let account = tables.accounts.iter().find(|a| a.email.as_deref() == Some(email)).expect("account");
        let grant = tables.role_grants.iter().find(|g| g.account_id == account.id).expect("grant");
        (grant.role.as_str(), grant.unit_code.as_str())
    };
    assert_eq!(grant_of("admin@hue.demo"), ("administrator", "46"));
    assert_eq!(grant_of("reception@hue.demo"), ("reception_officer", "46"));
    assert_eq!(grant_of("processing@hue.demo"), ("processing_officer", "19753"));
    assert_eq!(grant_of("leader@hue.demo"), ("unit_leader", "19753"));
    assert_eq!(grant_of("ioc@hue.demo"), ("ioc_operator", "46.IOC"));
    assert_eq!(grant_of("unit@hue.demo"), ("processing_officer", "19789"));
    // The loader writes as "demo"; the demo dossiers were handled by the demo accounts themselves, and the demo
    // online payment was confirmed by the gateway's notification.
    let account_ids: Vec<String> = tables.accounts.iter().map(|a| a.id.to_string()).collect();
    for record in &tables.audit_log {
        let actor = record.actor.as_deref().unwrap_or_default();
        assert!(actor == "demo" || actor == "gateway:vnpay" || account_ids.iter().any(|id| id == actor), "{record:?}");
    }
}

#[tokio::test]
async fn demo_loads_the_catalogue_and_dossiers_in_every_status() {
    let site = Installation::new().with_demo();
    let tables = site.tables();
    assert_eq!(tables.procedures.len(), 26);
    assert_eq!(tables.report_categories.len(), 17, "the Hue-S categories, for Open311 services");
    assert!(tables.procedures.iter().all(|p| p.version == 1 && p.valid_from.to_string() == "2025-07-01"));
    let by_status = dossiers_by_status(&tables);
    for status in DossierStatus::ALL {
        assert!(by_status.get(&status.code()).is_some_and(|n| *n >= 1), "no demo dossier is {status}: {by_status:?}");
    }
    assert!(tables.dossiers.iter().any(|d| d.channel == 1), "a counter dossier");
    // Three years of synthetic history across the wards, so /minh-bach ranks real figures.
    let wards: std::collections::HashSet<&str> = tables.dossiers.iter().map(|d| d.unit_code.as_str()).collect();
    assert!(wards.len() >= 30, "the history covers only {} units", wards.len());
    assert!(tables.dossiers.len() >= 1200, "{} dossiers", tables.dossiers.len());
    assert!(tables.dossier_documents.iter().any(|d| d.purpose == "result"), "a result file");

    let store = Store::open_sqlite_in(&site.data_dir()).await.expect("open");
    let (citizen, _) =
        store.account_for_login(smartcity::demo::CITIZEN_EMAIL).await.expect("lookup").expect("the demo citizen");
    let mine = store.dossiers_of_applicant(citizen.id, 100).await.expect("the citizen's dossiers");
    for status in DossierStatus::ALL {
        assert!(mine.iter().any(|d| d.status == *status), "the citizen has no dossier that is {status}");
    }
    assert!(mine.iter().all(|d| d.unit_code == smartcity::demo::DEMO_WARD_CODE), "the citizen's own dossiers");
    let returned = mine
        .iter()
        .find(|d| d.status == DossierStatus::ResultReturned && d.procedure_code == smartcity::demo::BIRTH_REGISTRATION)
        .expect("a returned birth registration");
    assert_eq!(returned.state.rating, Some(smartcity_domain::dossiers::Rating::Satisfied));
    let history: Vec<_> =
        store.dossier_events(returned.id).await.expect("events").into_iter().map(|e| e.action).collect();
    assert_eq!(history, ["submit", "accept", "start_processing", "complete_step", "approve", "return_result", "rate"]);

    // Đăng ký khai sinh asks for exactly two documents, so the browser journey uploads two files.
    let today = chrono::Utc::now().date_naive();
    let birth = store
        .procedure_in_force(smartcity::demo::BIRTH_REGISTRATION, today)
        .await
        .expect("lookup")
        .expect("birth registration is in force");
    assert_eq!(birth.documents.iter().filter(|d| d.required).count(), 2);
    assert_eq!(birth.form_fields.len(), 6);
    let city = store.list_procedures(today, "").await.expect("catalogue");
    assert_eq!(city.len(), 26);
    for procedure in city.iter().filter(|p| p.unit_code.is_some()) {
        let unit = UnitCode::parse(procedure.unit_code.as_deref().expect("unit")).expect("code");
        assert!(store.unit(&unit).await.expect("lookup").is_some(), "{} goes to an existing unit", procedure.code);
    }
    // Submissions and actions waiting for the notification worker.
    assert!(!store.pending_events(1000).await.expect("outbox").is_empty());
    store.close().await;

    let out = site.run(&["audit", "verify"]).success();
    assert!(out.stdout.contains("audit log OK"), "{}", out.stdout);
}

#[tokio::test]
async fn demo_dossiers_adds_that_many_synthetic_dossiers_quietly() {
    let site = Installation::new().with_demo();
    let before = site.tables();
    let out = site.run(&["demo", "--dossiers", "200"]).success();
    assert!(out.stdout.contains("nothing loaded"), "{}", out.stdout);
    assert!(
        out.stdout.contains("200 synthetic dossiers generated") && out.stdout.contains("dossiers/s"),
        "{}",
        out.stdout
    );
    let after = site.tables();
    assert_eq!(after.dossiers.len(), before.dossiers.len() + 200);
    let added: Vec<_> = after.dossiers.iter().filter(|d| !before.dossiers.iter().any(|b| b.id == d.id)).collect();
    assert_eq!(added.len(), 200);
    for status in DossierStatus::ALL {
        assert!(added.iter().any(|d| d.status == status.code()), "no synthetic dossier is {status}");
    }
    for channel in 1..=3 {
        assert!(added.iter().any(|d| d.channel == channel), "no synthetic dossier came by channel {channel}");
    }
    let wards: std::collections::BTreeSet<_> = added.iter().map(|d| d.unit_code.as_str()).collect();
    assert!(wards.len() > 20, "spread over the wards: {wards:?}");
    let oldest = added.iter().map(|d| d.received_at).min().expect("dossiers");
    assert!(chrono::Utc::now() - oldest > chrono::TimeDelta::days(365), "spread over the years");
    assert!(added.iter().all(|d| d.received_at <= chrono::Utc::now()));
    assert!(
        added.iter().all(|d| d.finished_at.is_none_or(|f| f >= d.received_at)
            && d.returned_at.is_none_or(|r| Some(r) >= d.finished_at)),
        "dates in order"
    );
    // Nothing to deliver for them: old dossiers must not mail anyone.
    let store = Store::open_sqlite_in(&site.data_dir()).await.expect("open");
    let pending = store.pending_events(100_000).await.expect("outbox");
    for event in pending {
        let id = event.payload["dossier_id"].as_str().unwrap_or_default().to_owned();
        assert!(!added.iter().any(|d| d.id.to_string() == id), "{event:?}");
    }
    store.close().await;
    site.run(&["audit", "verify"]).success();
    assert_eq!(site.run(&["demo"]).success().stdout.lines().count(), 1, "still loaded once");
}

#[test]
fn loading_the_demo_twice_changes_nothing_the_second_time() {
    let site = Installation::new().with_demo();
    let first = site.tables();
    let out = site.run(&["demo"]).success();
    assert!(out.stdout.contains("nothing loaded"), "{}", out.stdout);
    assert_eq!(site.tables(), first);
}

async fn store_with_city(site: &Installation, actor: &str) -> Store {
    let store = Store::open_sqlite_in(&site.data_dir()).await.expect("open");
    store.migrate().await.expect("migrate");
    let city = NewUnit {
        code: UnitCode::parse("46").expect("code"),
        parent_code: None,
        kind: UnitKind::City,
        name_vi: "Thành phố Huế".into(),
        name_en: "Huế City".into(),
        lat: None,
        lon: None,
        valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).expect("date"),
    };
    store.create_unit(&AuditContext::system(actor), city).await.expect("create the city");
    store
}

#[tokio::test]
async fn the_demo_never_adds_its_accounts_to_a_database_holding_real_data() {
    let site = Installation::new();
    store_with_city(&site, "cli").await.close().await;
    let out = site.run(&["demo"]).success();
    assert!(out.stdout.contains("nothing loaded"), "{}", out.stdout);
    let tables = site.tables();
    assert_eq!((tables.units.len(), tables.accounts.len()), (1, 0));
}

#[tokio::test]
async fn a_demo_load_that_stopped_half_way_is_finished_by_the_next_run() {
    let site = Installation::new();
    store_with_city(&site, "demo").await.close().await;
    let out = site.run(&["demo"]).success();
    assert!(out.stdout.contains("demo data loaded"), "{}", out.stdout);
    let tables = site.tables();
    assert_eq!((tables.units.len(), tables.accounts.len()), (50, 8 + 2));
    assert_eq!(tables.procedures.len(), 26);
    assert_eq!(dossiers_by_status(&tables).len(), 10);
}

#[test]
fn demo_loads_payments_online_and_at_the_desk_with_receipts_a_refund_and_a_replacement() {
    let site = Installation::new().with_demo();
    let tables = site.tables();
    assert_eq!(tables.receipt_series.len(), 1);
    let methods: Vec<(&str, &str)> = tables.payments.iter().map(|p| (p.method.as_str(), p.status.as_str())).collect();
    assert!(methods.contains(&("vnpay", "paid")), "a payment online: {methods:?}");
    assert!(methods.contains(&("cash", "paid")), "cash at the desk: {methods:?}");
    assert!(methods.contains(&("bank_transfer", "paid")), "a bank transfer: {methods:?}");
    let mut numbers: Vec<i64> = tables.receipts.iter().map(|r| r.number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2, 3, 4, 5], "three receipts, one adjusting and one replacement receipt, no gaps");
    assert!(tables.receipts.iter().any(|r| r.kind == "adjustment" && r.amount_vnd < 0 && r.original_id.is_some()));
    let replacement = tables.receipts.iter().find(|r| r.kind == "replacement").expect("a replacement receipt");
    let replaced =
        tables.receipts.iter().find(|r| Some(r.id) == replacement.original_id).expect("the receipt it replaces");
    assert_eq!((replaced.amount_vnd, replaced.payment_id), (replacement.amount_vnd, replacement.payment_id));
    assert_ne!(replaced.payer_name, replacement.payer_name);
    assert_eq!(tables.refunds.len(), 1);
    // The dossier waiting in status 6 still owes its fee, for the visitor to pay.
    let waiting = tables.dossiers.iter().find(|d| d.status == 6).expect("a dossier in status 6");
    assert!(!tables.payments.iter().any(|p| p.dossier_id == waiting.id), "nothing paid on it yet");
    let out = site.run(&["audit", "verify"]).success();
    assert!(out.stdout.contains("audit log OK"), "{}", out.stdout);
}

#[test]
fn demo_field_reports_cover_every_status_with_answers_ratings_and_no_stray_reporter() {
    let site = Installation::new().with_demo();
    let tables = site.tables();
    for status in smartcity_domain::reports::ReportStatus::ALL {
        assert!(
            tables.reports.iter().any(|r| r.status == status.as_str()),
            "no demo report is {status}: {:?}",
            tables.reports.iter().map(|r| &r.status).collect::<Vec<_>>()
        );
    }
    assert!(tables.reports.iter().any(|r| r.answer.is_some() && r.rating.as_deref() == Some("satisfied")));
    assert!(tables.report_photos.iter().any(|p| p.purpose == "answer" && p.content_type == "image/jpeg"));
    assert!(!tables.report_agencies.is_empty() && !tables.report_supports.is_empty());
    // Routed reports have a deadline; every ward report sits in the ward its pin is in.
    assert!(tables.reports.iter().filter(|r| r.handling_unit_code.is_some()).all(|r| r.due_at.is_some()));
}

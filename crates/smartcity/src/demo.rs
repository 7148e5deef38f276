//! Dữ liệu dùng thử: the Huế demo installation — the city, its 40 wards and communes with
//! (approximate) boundaries, nine city agencies, one account per role, a citizen with an e-card
//! and a company, the catalogue of 26 administrative procedures, and dossiers in every status.
//! README, e2e journeys and benchmarks log in with [`DEMO_ACCOUNTS`].
//!
//! Loading is idempotent and happens in three stages — the base (units, accounts), the catalogue,
//! the dossiers — each marked by a `demo.loaded` audit record when finished, so a database loaded
//! by an older version gets the later stages. A load that stopped half-way resumes (every item is
//! created only when missing), but a database whose unit 46 was not created by the demo loader is
//! real data and is never touched: demo accounts have published passwords.

mod catalogue;
mod dossiers;
mod operations;
mod payments;
pub mod portal;
mod report_samples;
mod reports;
pub mod sensing;
mod synthetic;

pub use catalogue::BIRTH_REGISTRATION;
pub use reports::{GeneratedReports, generate as generate_reports};
pub use synthetic::{Generated, generate as generate_dossiers};

use anyhow::Context;
use chrono::NaiveDate;
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use smartcity_domain::geo::Area;
use smartcity_domain::identity::{CitizenId, ECardNumber, Email, PhoneNumber, Role, TaxCode};
use smartcity_domain::text::fold_vietnamese;
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::audit::{AuditEvent, AuditFilter};
use smartcity_store::identity::{AccountKind, NewAccount};
use smartcity_store::reports::ReportStore;
use smartcity_store::units::NewUnit;
use smartcity_store::{AuditContext, AuditStore, IdentityStore, Store, UnitStore};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Administrative units list (NQ 1675/NQ-UBTVQH15), copied from `shared/data` with its `meta` block.
const UNITS_JSON: &str = include_str!("../seed/admin-units-hue.json");
/// Approximate, synthetic ward polygons for demos and tests only (see the file's `metadata`).
const WARDS_GEOJSON: &str = include_str!("../seed/hue-wards.geojson");

/// Code of the city, Thành phố Huế.
pub const CITY_CODE: &str = "46";
/// Ward of the demo processing officer and unit leader, Phường Phú Xuân.
pub const DEMO_WARD_CODE: &str = "19753";
/// The day the 40 units of NQ 1675 came into force.
const UNITS_VALID_FROM: (i32, u32, u32) = (2025, 7, 1);

/// Actor label of every record the demo loader writes.
const DEMO_ACTOR: &str = "demo";
/// The audit records that mark a finished stage of the load.
const LOADED_ACTION: &str = "demo.loaded";
const LOADED_RECORD_TYPE: &str = "demo";
/// Units, boundaries, accounts, grants, the company and the e-card.
const BASE_STAGE: &str = "hue";
/// The procedure catalogue.
const CATALOGUE_STAGE: &str = "hue.catalogue";
/// The demo dossiers.
const DOSSIERS_STAGE: &str = "hue.dossiers";
const REPORTS_STAGE: &str = "hue.report_categories";
/// Sensors, gauges, cameras, wifi and lights with 24 hours of readings.
const SENSING_STAGE: &str = "hue.sensing";
/// Alarm procedures and last week's flood alarm, handled.
const OPERATIONS_STAGE: &str = "hue.operations";
/// Fees, the receipt series, payments online and at the desk, a refund.
const PAYMENTS_STAGE: &str = "hue.payments";
/// Three years of synthetic dossier history across every ward, so the transparency pages rank real
/// figures and show trends on a fresh demo.
const HISTORY_STAGE: &str = "hue.history";
/// How many synthetic dossiers the history stage writes: a few seconds on SQLite, about 10 a year per ward.
const HISTORY_DOSSIERS: u64 = 1200;
/// The demo field reports on the map (every status, the last 60 days).
const REPORTS_DEMO_STAGE: &str = "hue.reports";
/// How many demo reports the map shows.
pub const DEMO_REPORTS: u64 = 240;
/// Field reports in every status, for the reporting pages and the map.
const REPORT_SAMPLES_STAGE: &str = "hue.report_samples";
/// Unit sites, articles, heritage places, Q&A and the flood warning.
const PORTAL_STAGE: &str = "hue.portal";
const STAGES: [&str; 11] = [
    BASE_STAGE,
    CATALOGUE_STAGE,
    DOSSIERS_STAGE,
    REPORTS_STAGE,
    PAYMENTS_STAGE,
    HISTORY_STAGE,
    REPORT_SAMPLES_STAGE,
    REPORTS_DEMO_STAGE,
    PORTAL_STAGE,
    SENSING_STAGE,
    OPERATIONS_STAGE,
];

/// The field-report categories (Hue-S style), served by Open311 `services`.
const REPORT_CATEGORIES: &str = include_str!("../seed/feedback-categories.json");

/// City agencies (cơ quan) under unit 46: code, Vietnamese name, English name.
pub const DEMO_AGENCIES: [(&str, &str, &str); 9] = [
    ("46.VP", "Văn phòng UBND thành phố", "Office of the City People's Committee"),
    ("46.TTHCC", "Trung tâm Phục vụ hành chính công", "Public Administration Service Centre"),
    ("46.IOC", "Trung tâm Giám sát, điều hành đô thị thông minh", "Intelligent Operations Centre"),
    ("46.SYT", "Sở Y tế", "Department of Health"),
    ("46.SXD", "Sở Xây dựng", "Department of Construction"),
    ("46.SNNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"),
    ("46.STC", "Sở Tài chính", "Department of Finance"),
    ("46.SVHTT", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism"),
    ("46.CA", "Công an thành phố", "City Police"),
];

/// One demo person: who they are and the one role they hold.
struct DemoPerson {
    label: &'static str,
    email: &'static str,
    password: &'static str,
    name: &'static str,
    role: Role,
    unit: &'static str,
    staff: bool,
}

const PEOPLE: [DemoPerson; 8] = [
    DemoPerson {
        label: "Administrator",
        email: "admin@hue.demo",
        password: "demo-admin-2026",
        name: "Lê Minh Quang",
        role: Role::Administrator,
        unit: CITY_CODE,
        staff: true,
    },
    DemoPerson {
        label: "Reception officer",
        email: "reception@hue.demo",
        password: "demo-reception-2026",
        name: "Trần Thị Bình",
        role: Role::ReceptionOfficer,
        // The city-wide desk of the Public Administration Service Centre: receives for every ward.
        unit: CITY_CODE,
        staff: true,
    },
    DemoPerson {
        label: "Processing officer",
        email: "processing@hue.demo",
        password: "demo-processing-2026",
        name: "Phạm Văn Cường",
        role: Role::ProcessingOfficer,
        unit: DEMO_WARD_CODE,
        staff: true,
    },
    DemoPerson {
        label: "Unit leader",
        email: "leader@hue.demo",
        password: "demo-leader-2026",
        name: "Hoàng Thị Dung",
        role: Role::UnitLeader,
        unit: DEMO_WARD_CODE,
        staff: true,
    },
    DemoPerson {
        label: "Editor",
        email: "editor@hue.demo",
        password: "demo-editor-2026",
        name: "Võ Thị Hoa",
        role: Role::Editor,
        unit: CITY_CODE,
        staff: true,
    },
    DemoPerson {
        label: "IOC operator",
        email: "ioc@hue.demo",
        password: "demo-ioc-2026",
        name: "Đặng Văn Hùng",
        role: Role::IocOperator,
        unit: "46.IOC",
        staff: true,
    },
    DemoPerson {
        label: "Report officer",
        email: UNIT_EMAIL,
        password: "demo-unit-2026",
        name: "Ngô Văn Sáng",
        role: Role::ProcessingOfficer,
        // Handles the field reports routed to Phường Thuận Hóa.
        unit: "19789",
        staff: true,
    },
    DemoPerson {
        label: "Citizen",
        email: CITIZEN_EMAIL,
        password: "demo-citizen-2026",
        name: "Nguyễn Văn An",
        role: Role::Citizen,
        unit: CITY_CODE,
        staff: false,
    },
];

/// Login of the officer of Phường Thuận Hóa who handles its field reports.
pub const UNIT_EMAIL: &str = "unit@hue.demo";

/// Login of the demo citizen, the applicant of the demo dossiers.
pub const CITIZEN_EMAIL: &str = "citizen@hue.demo";
const CITIZEN_PHONE: &str = "0905123456";
const CITIZEN_ID: &str = "046090001234";
const COMPANY_TAX_CODE: &str = "0100109106";
const COMPANY_NAME: &str = "Công ty TNHH Du lịch Sông Hương";
const COMPANY_ADDRESS: &str = "12 Lê Lợi, Phường Thuận Hóa, Thành phố Huế";

/// The demo logins as (role label, email, password), in the order they are printed.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &demo_accounts();

const fn demo_accounts() -> [(&'static str, &'static str, &'static str); PEOPLE.len()] {
    let mut out = [("", "", ""); PEOPLE.len()];
    let mut i = 0;
    while i < PEOPLE.len() {
        out[i] = (PEOPLE[i].label, PEOPLE[i].email, PEOPLE[i].password);
        i += 1;
    }
    out
}

/// The demo accounts as a table for the terminal.
pub fn demo_accounts_table() -> String {
    let mut out = String::from("Demo accounts / Tài khoản dùng thử:\n");
    out.push_str(&format!("  {:<20} {:<22} {}\n", "role", "email", "password"));
    for (role, email, password) in DEMO_ACCOUNTS {
        out.push_str(&format!("  {role:<20} {email:<22} {password}\n"));
    }
    for (role, email, password, _, _) in portal::PORTAL_ACCOUNTS {
        out.push_str(&format!("  {role:<20} {email:<22} {password}\n"));
    }
    out
}

#[derive(Deserialize)]
struct UnitsSeed {
    city: CitySeed,
    units: Vec<WardSeed>,
}

#[derive(Deserialize)]
struct CitySeed {
    code: String,
    name: String,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct WardSeed {
    code: String,
    name: String,
    /// `phuong` (ward) or `xa` (commune).
    #[serde(rename = "type")]
    kind: String,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct BoundariesSeed {
    features: Vec<BoundaryFeature>,
}

#[derive(Deserialize)]
struct BoundaryFeature {
    properties: BoundaryProperties,
    geometry: serde_json::Value,
}

#[derive(Deserialize)]
struct BoundaryProperties {
    code: String,
}

/// Every unit of the demo tree, parents first.
fn demo_units() -> anyhow::Result<Vec<NewUnit>> {
    let seed: UnitsSeed = serde_json::from_str(UNITS_JSON).context("seed/admin-units-hue.json")?;
    let valid_from =
        NaiveDate::from_ymd_opt(UNITS_VALID_FROM.0, UNITS_VALID_FROM.1, UNITS_VALID_FROM.2).context("valid_from")?;
    let city = UnitCode::parse(&seed.city.code)?;
    let mut units = vec![NewUnit {
        code: city.clone(),
        parent_code: None,
        kind: UnitKind::City,
        name_vi: seed.city.name,
        name_en: "Huế City".into(),
        lat: Some(seed.city.lat),
        lon: Some(seed.city.lon),
        valid_from,
    }];
    for ward in seed.units {
        let kind = match ward.kind.as_str() {
            "phuong" => UnitKind::Ward,
            "xa" => UnitKind::Commune,
            other => anyhow::bail!("seed unit {} has unknown type {other:?}", ward.code),
        };
        units.push(NewUnit {
            code: UnitCode::parse(&ward.code)?,
            parent_code: Some(city.clone()),
            kind,
            name_en: english_unit_name(&ward.name, kind),
            name_vi: ward.name,
            lat: Some(ward.lat),
            lon: Some(ward.lon),
            valid_from,
        });
    }
    for (code, name_vi, name_en) in DEMO_AGENCIES {
        units.push(NewUnit {
            code: UnitCode::parse(code)?,
            parent_code: Some(city.clone()),
            kind: UnitKind::Agency,
            name_vi: name_vi.into(),
            name_en: name_en.into(),
            lat: None,
            lon: None,
            valid_from,
        });
    }
    Ok(units)
}

/// "Phường Phú Xuân" → "Phu Xuan Ward", "Xã A Lưới 1" → "A Luoi 1 Commune": the name without its
/// kind word, folded to ASCII and title-cased, followed by the kind in English.
fn english_unit_name(name_vi: &str, kind: UnitKind) -> String {
    let bare = name_vi.strip_prefix(kind.label_vi()).map(str::trim_start).unwrap_or(name_vi);
    let mut out = String::with_capacity(bare.len() + 8);
    for word in fold_vietnamese(bare).split(' ') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
            out.push(' ');
        }
    }
    out.push_str(kind.label_en());
    out
}

/// Whether one stage of the load is finished (its marker is in the audit log).
async fn stage_loaded(store: &Store, stage: &str) -> anyhow::Result<bool> {
    let filter = AuditFilter { record_type: Some(LOADED_RECORD_TYPE.into()), record_id: Some(stage.into()) };
    Ok(!store.list_audit(&filter, 1, 0).await?.is_empty())
}

async fn mark_stage_loaded(
    store: &Store,
    ctx: &AuditContext,
    stage: &str,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    let event = AuditEvent { action: LOADED_ACTION, record_type: LOADED_RECORD_TYPE, record_id: stage.into(), details };
    store.record_audit(ctx, event).await?;
    Ok(())
}

/// Whether the demo data is fully loaded (every stage's marker is in the audit log).
pub async fn demo_loaded(store: &Store) -> anyhow::Result<bool> {
    for stage in STAGES {
        if !stage_loaded(store, stage).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether unit 46 was created by this loader (so a half-finished load may be resumed).
async fn city_created_by_demo(store: &Store) -> anyhow::Result<bool> {
    let filter = AuditFilter { record_type: Some("unit".into()), record_id: Some(CITY_CODE.into()) };
    let history = store.list_audit(&filter, 1000, 0).await?;
    Ok(history.iter().any(|r| r.action == "unit.created" && r.actor.as_deref() == Some(DEMO_ACTOR)))
}

/// Load the demo data unless it is loaded already. Returns whether anything was loaded now.
pub async fn load_demo(store: &Store) -> anyhow::Result<bool> {
    if demo_loaded(store).await? {
        return Ok(false);
    }
    let city = UnitCode::parse(CITY_CODE)?;
    if store.unit(&city).await?.is_some() && !city_created_by_demo(store).await? {
        tracing::warn!("unit 46 exists and was not created by the demo loader: leaving this database alone");
        return Ok(false);
    }
    let ctx = AuditContext::system(DEMO_ACTOR);
    if !stage_loaded(store, BASE_STAGE).await? {
        let details = load_base(store, &ctx).await?;
        mark_stage_loaded(store, &ctx, BASE_STAGE, details).await?;
    }
    if !stage_loaded(store, CATALOGUE_STAGE).await? {
        let created = catalogue::load(store, &ctx).await.context("loading the demo procedure catalogue")?;
        mark_stage_loaded(store, &ctx, CATALOGUE_STAGE, json!({"procedures": created})).await?;
    }
    if !stage_loaded(store, DOSSIERS_STAGE).await? {
        // A database loaded before the reception officer moved to the city-wide desk gets the new grant.
        ensure_grants(store, &ctx, &demo_account_ids(store).await?).await?;
        let actions = dossiers::load(store).await.context("loading the demo dossiers")?;
        mark_stage_loaded(store, &ctx, DOSSIERS_STAGE, json!({"actions": actions})).await?;
    }
    if !stage_loaded(store, REPORTS_STAGE).await? {
        let categories = store
            .load_report_categories_json(&ctx, REPORT_CATEGORIES)
            .await
            .context("loading the field-report categories")?;
        mark_stage_loaded(store, &ctx, REPORTS_STAGE, json!({"categories": categories})).await?;
    }
    if !stage_loaded(store, REPORT_SAMPLES_STAGE).await? {
        let reports = report_samples::load(store).await.context("loading the demo field reports")?;
        mark_stage_loaded(store, &ctx, REPORT_SAMPLES_STAGE, json!({"reports": reports})).await?;
    }
    if !stage_loaded(store, PAYMENTS_STAGE).await? {
        let paid = payments::load(store, &ctx).await.context("loading the demo payments")?;
        mark_stage_loaded(store, &ctx, PAYMENTS_STAGE, json!({"payments": paid})).await?;
    }
    if !stage_loaded(store, HISTORY_STAGE).await? {
        let generated = generate_dossiers(store, HISTORY_DOSSIERS).await.context("generating the dossier history")?;
        mark_stage_loaded(store, &ctx, HISTORY_STAGE, json!({"dossiers": generated.dossiers})).await?;
    }
    if !stage_loaded(store, REPORTS_DEMO_STAGE).await? {
        let made = reports::generate(store, DEMO_REPORTS, 60).await.context("generating the demo field reports")?;
        mark_stage_loaded(store, &ctx, REPORTS_DEMO_STAGE, json!({"reports": made.reports})).await?;
    }
    if !stage_loaded(store, PORTAL_STAGE).await? {
        let articles = portal::load(store, &ctx).await.context("loading the portal demo")?;
        mark_stage_loaded(store, &ctx, PORTAL_STAGE, json!({"articles": articles})).await?;
    }
    if !stage_loaded(store, SENSING_STAGE).await? {
        let observations = sensing::load(store).await.context("loading the demo sensors")?;
        mark_stage_loaded(store, &ctx, SENSING_STAGE, json!({"observations": observations})).await?;
    }
    if !stage_loaded(store, OPERATIONS_STAGE).await? {
        let operator = demo_account_ids(store)
            .await?
            .into_iter()
            .find(|(p, _)| p.role == Role::IocOperator)
            .map(|(_, id)| id)
            .context("the demo IOC operator")?;
        let ticks = operations::load(store, &ctx, operator).await.context("loading the operations demo")?;
        mark_stage_loaded(store, &ctx, OPERATIONS_STAGE, json!({"procedure_steps_ticked": ticks})).await?;
    }
    Ok(true)
}

/// The demo people that have an account already, with its id.
async fn demo_account_ids(store: &Store) -> anyhow::Result<Vec<(&'static DemoPerson, Uuid)>> {
    let mut out = Vec::new();
    for person in &PEOPLE {
        if let Some((account, _)) = store.account_for_login(person.email).await? {
            out.push((person, account.id));
        }
    }
    Ok(out)
}

/// Grant every demo person their role unless they hold it already.
async fn ensure_grants(store: &Store, ctx: &AuditContext, accounts: &[(&DemoPerson, Uuid)]) -> anyhow::Result<()> {
    for (person, account) in accounts {
        let unit = UnitCode::parse(person.unit)?;
        let held = store.grants_of(*account).await?;
        if !held.iter().any(|g| g.role == person.role && g.unit_code == unit.as_str()) {
            store.grant_role(ctx, *account, person.role, &unit).await?;
        }
    }
    Ok(())
}

/// The first stage: units, boundaries, accounts and their grants, the company and the e-card.
/// Returns the details of its marker.
async fn load_base(store: &Store, ctx: &AuditContext) -> anyhow::Result<serde_json::Value> {
    // Hashing is the slow part (argon2id): start it now, on the blocking pool, while the units are written.
    let mut hashing: Vec<(&DemoPerson, JoinHandle<anyhow::Result<String>>)> = Vec::new();
    let mut existing: Vec<(&DemoPerson, Uuid)> = Vec::new();
    for person in &PEOPLE {
        match store.account_for_login(person.email).await? {
            Some((account, _)) => existing.push((person, account.id)),
            None => {
                let password = person.password.to_owned();
                let task = tokio::spawn(async move {
                    smartcity_web::passwords::hash_password(password)
                        .await
                        .map_err(|e| anyhow::anyhow!("hashing a demo password: {e}"))
                });
                hashing.push((person, task));
            }
        }
    }

    let units = demo_units()?;
    let unit_count = units.len();
    for unit in units {
        if store.unit(&unit.code).await?.is_none() {
            store.create_unit(ctx, unit).await?;
        }
    }
    let boundaries: BoundariesSeed = serde_json::from_str(WARDS_GEOJSON).context("seed/hue-wards.geojson")?;
    for feature in boundaries.features {
        let code = UnitCode::parse(&feature.properties.code)?;
        if store.unit_boundary(&code).await?.is_none() {
            let area =
                Area::from_geojson_geometry(&feature.geometry).with_context(|| format!("boundary of unit {code}"))?;
            store.set_unit_boundary(ctx, &code, &area).await?;
        }
    }

    let mut accounts = existing;
    for (person, task) in hashing {
        let password_hash = task.await??;
        let citizen = !person.staff;
        let account = store
            .create_account(
                ctx,
                NewAccount {
                    kind: if person.staff { AccountKind::Staff } else { AccountKind::Citizen },
                    display_name: person.name.into(),
                    email: Some(Email::parse(person.email)?),
                    phone: citizen.then(|| PhoneNumber::parse(CITIZEN_PHONE)).transpose()?,
                    citizen_id: citizen.then(|| CitizenId::parse(CITIZEN_ID)).transpose()?,
                    password_hash,
                },
            )
            .await
            .with_context(|| format!("creating demo account {}", person.email))?;
        accounts.push((person, account.id));
    }
    ensure_grants(store, ctx, &accounts).await?;

    let citizen = accounts
        .iter()
        .find(|(person, _)| person.email == CITIZEN_EMAIL)
        .map(|(_, id)| *id)
        .context("the demo citizen account")?;
    if store.organisations_of(citizen).await?.is_empty() {
        let tax_code = TaxCode::parse(COMPANY_TAX_CODE)?;
        store.create_organisation(ctx, &tax_code, COMPANY_NAME, COMPANY_ADDRESS, citizen).await?;
    }
    if store.ecards_of(citizen).await?.is_empty() {
        let (number, qr_token) = new_ecard_credentials()?;
        store.issue_ecard(ctx, citizen, number.as_str(), &qr_token).await?;
    }
    Ok(json!({"units": unit_count, "accounts": PEOPLE.len()}))
}

/// A fresh e-card number (46 + 13 random digits + Luhn digit) and a 32-hex-digit QR secret.
fn new_ecard_credentials() -> anyhow::Result<(ECardNumber, String)> {
    let mut rng = rand::rng();
    let body: String = (0..13).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
    Ok((ECardNumber::from_body(&body)?, Uuid::new_v4().simple().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_names_are_folded_and_title_cased() {
        let cases = [
            ("Phường Phú Xuân", UnitKind::Ward, "Phu Xuan Ward"),
            ("Phường Vỹ Dạ", UnitKind::Ward, "Vy Da Ward"),
            ("Xã A Lưới 1", UnitKind::Commune, "A Luoi 1 Commune"),
            ("Xã Đan Điền", UnitKind::Commune, "Dan Dien Commune"),
            ("Xã Chân Mây - Lăng Cô", UnitKind::Commune, "Chan May - Lang Co Commune"),
        ];
        for (vi, kind, en) in cases {
            assert_eq!(english_unit_name(vi, kind), en, "{vi}");
        }
    }

    #[test]
    fn the_seed_gives_one_city_forty_wards_and_communes_and_nine_agencies() {
        let units = demo_units().expect("seed parses");
        let count = |kind| units.iter().filter(|u| u.kind == kind).count();
        assert_eq!(count(UnitKind::City), 1);
        assert_eq!(count(UnitKind::Ward), 21);
        assert_eq!(count(UnitKind::Commune), 19);
        assert_eq!(count(UnitKind::Agency), 9);
        assert!(units.iter().any(|u| u.code.as_str() == DEMO_WARD_CODE && u.name_vi == "Phường Phú Xuân"));
    }

    #[test]
    fn every_ward_has_a_valid_boundary() {
        let seed: BoundariesSeed = serde_json::from_str(WARDS_GEOJSON).expect("geojson parses");
        assert_eq!(seed.features.len(), 40);
        for feature in seed.features {
            Area::from_geojson_geometry(&feature.geometry).expect("valid polygon");
        }
    }

    #[test]
    fn demo_identities_are_valid() {
        CitizenId::parse(CITIZEN_ID).expect("CCCD");
        PhoneNumber::parse(CITIZEN_PHONE).expect("phone");
        TaxCode::parse(COMPANY_TAX_CODE).expect("tax code");
        for person in &PEOPLE {
            Email::parse(person.email).expect("email");
            smartcity_domain::identity::check_password_policy(person.password).expect("password policy");
            UnitCode::parse(person.unit).expect("unit code");
        }
        let (number, qr) = new_ecard_credentials().expect("e-card");
        ECardNumber::parse(number.as_str()).expect("the number passes its own check");
        assert_eq!(qr.len(), 32);
    }

    #[test]
    fn the_accounts_table_lists_every_role() {
        assert_eq!(DEMO_ACCOUNTS.len(), PEOPLE.len());
        assert_eq!(DEMO_ACCOUNTS[0], ("Administrator", "admin@hue.demo", "demo-admin-2026"));
        for role in Role::ALL {
            // Two processing officers: Phú Xuân's dossiers, Thuận Hóa's field reports.
            let expected = if role == Role::ProcessingOfficer { 2 } else { 1 };
            assert_eq!(PEOPLE.iter().filter(|p| p.role == role).count(), expected, "{role}");
        }
        assert!(demo_accounts_table().contains("citizen@hue.demo"));
    }
}

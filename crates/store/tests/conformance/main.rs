//! Conformance suite of the store: the behaviours the web layer, the CLI and the audit rules rely
//! on, written once and run against SQLite by default and against a fresh PostgreSQL schema per
//! test when `SMARTCITY_TEST_DATABASE_URL` is set (CI runs it both ways).
//!
//! The fixtures below build the small slice of Huế every module starts from: the city (46), two
//! wards (19753 Phú Xuân, 19789 Thuận Hóa) and the Department of Health (46.SYT).

#![expect(clippy::unwrap_used, reason = "a conformance test fails loudly on any store error it does not expect")]

mod audit;
mod identity;
mod portable;
mod sessions;
mod units;

use chrono::NaiveDate;
use smartcity_domain::audit::AuditRecord;
use smartcity_domain::geo::{Area, Polygon};
use smartcity_domain::identity::{CitizenId, Email, PhoneNumber};
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::audit::AuditFilter;
use smartcity_store::identity::{Account, AccountKind, IdentityStore, NewAccount};
use smartcity_store::units::{NewUnit, UnitStore};
use smartcity_store::{AuditContext, AuditStore, Backend, Store};

/// A unit code the suite knows to be well formed.
fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

/// A calendar day.
fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The day the 2025 reorganisation took effect (NQ 1675/NQ-UBTVQH15); merges in the suite use it.
fn reform_day() -> NaiveDate {
    day(2025, 7, 1)
}

/// The operator every fixture acts as, with an address so audit records carry one.
fn admin() -> AuditContext {
    AuditContext { actor: Some("test:admin".to_owned()), ip: Some("203.113.1.10".to_owned()) }
}

/// What an administrator fills in for a unit that has existed since 2020.
fn new_unit(unit_code: &str, parent: Option<&str>, kind: UnitKind, name_vi: &str, name_en: &str) -> NewUnit {
    NewUnit {
        code: code(unit_code),
        parent_code: parent.map(code),
        kind,
        name_vi: name_vi.to_owned(),
        name_en: name_en.to_owned(),
        lat: None,
        lon: None,
        valid_from: day(2020, 1, 1),
    }
}

/// The city, wards 19753 and 19789, and the agency 46.SYT.
async fn seed_hue(store: &Store) {
    let mut city = new_unit("46", None, UnitKind::City, "Thành phố Huế", "Huế City");
    city.lat = Some(16.4637);
    city.lon = Some(107.5909);
    store.create_unit(&admin(), city).await.unwrap();
    for unit in [
        new_unit("19753", Some("46"), UnitKind::Ward, "Phường Phú Xuân", "Phu Xuan Ward"),
        new_unit("19789", Some("46"), UnitKind::Ward, "Phường Thuận Hóa", "Thuan Hoa Ward"),
        new_unit("46.SYT", Some("46"), UnitKind::Agency, "Sở Y tế", "Department of Health"),
    ] {
        store.create_unit(&admin(), unit).await.unwrap();
    }
}

/// A square boundary of side `2 * half` degrees centred on (`lat`, `lon`).
fn square(lat: f64, lon: f64, half: f64) -> Area {
    let ring = vec![
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ];
    Area { polygons: vec![Polygon { exterior: ring, holes: vec![] }] }
}

/// A citizen registering with an email, a phone number and a CCCD number.
fn citizen(name: &str, email: &str, phone: &str, citizen_id: &str) -> NewAccount {
    NewAccount {
        kind: AccountKind::Citizen,
        display_name: name.to_owned(),
        email: Some(Email::parse(email).unwrap()),
        phone: Some(PhoneNumber::parse(phone).unwrap()),
        citizen_id: Some(CitizenId::parse(citizen_id).unwrap()),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${name}"),
    }
}

/// A staff account created by an administrator, known by email only.
fn staff(name: &str, email: &str) -> NewAccount {
    NewAccount {
        kind: AccountKind::Staff,
        display_name: name.to_owned(),
        email: Some(Email::parse(email).unwrap()),
        phone: None,
        citizen_id: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$c3RhZmY".to_owned(),
    }
}

/// Nguyễn Văn An, the citizen most tests register.
async fn register_an(store: &Store) -> Account {
    store
        .create_account(&admin(), citizen("Nguyễn Văn An", "An.Nguyen@Example.VN", "091 234 5678", "046090001234"))
        .await
        .unwrap()
}

/// The whole audit log, oldest first.
async fn audit_trail(store: &Store) -> Vec<AuditRecord> {
    let mut records = store.list_audit(&AuditFilter::default(), 10_000, 0).await.unwrap();
    records.reverse();
    records
}

/// Actions of the whole audit log, oldest first.
async fn audit_actions(store: &Store) -> Vec<String> {
    audit_trail(store).await.into_iter().map(|r| r.action).collect()
}

/// Lift the append-only guard on `audit_log`, as an intruder with DDL rights could.
async fn allow_audit_edits(store: &Store) {
    let sql = match store.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    };
    store.execute_raw(sql).await.unwrap();
}

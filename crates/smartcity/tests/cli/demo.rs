//! `smartcity demo`: the Huế demo installation, loaded once.

use chrono::NaiveDate;
use smartcity_domain::units::{UnitCode, UnitKind};
use smartcity_store::units::NewUnit;
use smartcity_store::{AuditContext, Store, UnitStore};

use crate::support::Installation;

#[test]
fn demo_loads_the_city_its_forty_units_nine_agencies_and_seven_accounts() {
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
    assert_eq!(tables.accounts.len(), 7);
    assert_eq!(tables.role_grants.len(), 7);
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
    assert_eq!(grant_of("reception@hue.demo"), ("reception_officer", "46.TTHCC"));
    assert_eq!(grant_of("processing@hue.demo"), ("processing_officer", "19753"));
    assert_eq!(grant_of("leader@hue.demo"), ("unit_leader", "19753"));
    assert_eq!(grant_of("ioc@hue.demo"), ("ioc_operator", "46.IOC"));
    assert!(tables.audit_log.iter().all(|r| r.actor.as_deref() == Some("demo")));
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
    assert_eq!((tables.units.len(), tables.accounts.len()), (50, 7));
}

//! `units`: the tree of the city, its wards and agencies, how it changes over time, and which ward
//! a point on the map belongs to.

use smartcity_domain::geo::{Area, GeoPoint, Polygon};
use smartcity_domain::units::{UnitChangeKind, UnitKind};
use smartcity_store::testing::fresh_store;
use smartcity_store::units::{Unit, UnitStore};
use smartcity_store::{AuditStore, StoreError};

use crate::{admin, audit_actions, code, day, new_unit, reform_day, seed_hue, square};

/// Points used by the map tests: the centre of Phú Xuân's square, of Thuận Hóa's, and one in the sea.
const PHU_XUAN: (f64, f64) = (16.47, 107.58);
const THUAN_HOA: (f64, f64) = (16.45, 107.60);
const OFFSHORE: (f64, f64) = (16.70, 107.90);

fn point((lat, lon): (f64, f64)) -> GeoPoint {
    GeoPoint::new(lat, lon).unwrap()
}

/// Give both seeded wards a square boundary of side 0.02° around their points.
async fn draw_ward_boundaries(store: &smartcity_store::Store) {
    store.set_unit_boundary(&admin(), &code("19753"), &square(PHU_XUAN.0, PHU_XUAN.1, 0.01)).await.unwrap();
    store.set_unit_boundary(&admin(), &code("19789"), &square(THUAN_HOA.0, THUAN_HOA.1, 0.01)).await.unwrap();
}

/// Add ward 19800, the unit 19753 and 19789 are merged into in the merge tests.
async fn create_successor_ward(store: &smartcity_store::Store) {
    store
        .create_unit(
            &admin(),
            new_unit("19800", Some("46"), UnitKind::Ward, "Phường Phú Xuân mới", "New Phu Xuan Ward"),
        )
        .await
        .unwrap();
}

fn expect_invalid(result: Result<impl std::fmt::Debug, StoreError>, code: &str) {
    match result {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, code, "{e}"),
        other => panic!("expected a validation error {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn the_city_its_wards_and_an_agency_read_back_as_created() {
    let store = fresh_store().await;
    seed_hue(&store).await;

    let city = store.unit(&code("46")).await.unwrap().unwrap();
    assert_eq!(
        city,
        Unit {
            code: code("46"),
            parent_code: None,
            kind: UnitKind::City,
            name_vi: "Thành phố Huế".to_owned(),
            name_en: "Huế City".to_owned(),
            lat: Some(16.4637),
            lon: Some(107.5909),
            valid_from: day(2020, 1, 1),
            valid_to: None,
            successor_code: None,
        }
    );
    for (ward, name) in [("19753", "Phường Phú Xuân"), ("19789", "Phường Thuận Hóa")] {
        let unit = store.unit(&code(ward)).await.unwrap().unwrap();
        assert_eq!(unit.kind, UnitKind::Ward);
        assert_eq!(unit.parent_code, Some(code("46")));
        assert_eq!(unit.name_vi, name);
        assert!(unit.is_active_on(reform_day()));
    }
    let agency = store.unit(&code("46.SYT")).await.unwrap().unwrap();
    assert_eq!(agency.kind, UnitKind::Agency);
    assert_eq!(agency.parent_code, Some(code("46")));
    assert_eq!(agency.name("en"), "Department of Health");
    assert_eq!(agency.name("vi"), "Sở Y tế");

    let history = store.unit_changes(&code("19753")).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, UnitChangeKind::Created);
    assert_eq!(history[0].effective_on, day(2020, 1, 1));
    assert_eq!(store.unit(&code("19999")).await.unwrap(), None);
}

#[tokio::test]
async fn a_unit_under_an_unknown_parent_is_refused_and_nothing_is_written() {
    let store = fresh_store().await;

    let refused = store
        .create_unit(&admin(), new_unit("19753", Some("46"), UnitKind::Ward, "Phường Phú Xuân", "Phu Xuan Ward"))
        .await;

    match refused {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.code, "unit_not_found");
            assert_eq!(e.field, "unit_code");
            assert!(e.vi.contains("46") && e.en.contains("46"), "{e:?}");
        }
        other => panic!("expected unit_not_found, got {other:?}"),
    }
    assert_eq!(store.unit(&code("19753")).await.unwrap(), None);
    assert!(store.list_units().await.unwrap().is_empty());
    assert!(audit_actions(&store).await.is_empty());
}

#[tokio::test]
async fn a_taken_unit_code_is_a_conflict_and_the_first_unit_stays() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    let records_before = audit_actions(&store).await.len();

    let again = store
        .create_unit(&admin(), new_unit("19753", Some("46"), UnitKind::Ward, "Phường Trùng Mã", "Duplicate Ward"))
        .await;

    match again {
        // The same name on both engines, so the web layer maps it with one match arm.
        Err(StoreError::Conflict { constraint }) => assert_eq!(constraint, "units_pkey"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let kept = store.unit(&code("19753")).await.unwrap().unwrap();
    assert_eq!(kept.name_vi, "Phường Phú Xuân");
    assert_eq!(audit_actions(&store).await.len(), records_before);
}

#[tokio::test]
async fn units_are_listed_city_then_agencies_then_wards_then_communes_by_folded_name() {
    let store = fresh_store().await;
    store.create_unit(&admin(), new_unit("46", None, UnitKind::City, "Thành phố Huế", "Huế City")).await.unwrap();
    // Created out of order; "Đông Ba" must sort as "dong ba" (between An Cựu and Kim Long), not
    // after every ASCII letter as its first byte would put it.
    for unit in [
        new_unit("19950", Some("46"), UnitKind::Commune, "Xã Bình Điền", "Binh Dien Commune"),
        new_unit("19801", Some("46"), UnitKind::Ward, "Phường Kim Long", "Kim Long Ward"),
        new_unit("46.SYT", Some("46"), UnitKind::Agency, "Sở Y tế", "Department of Health"),
        new_unit("19802", Some("46"), UnitKind::Ward, "Phường Đông Ba", "Dong Ba Ward"),
        new_unit("46.SXD", Some("46"), UnitKind::Agency, "Sở Xây dựng", "Department of Construction"),
        new_unit("19803", Some("46"), UnitKind::Ward, "Phường An Cựu", "An Cuu Ward"),
    ] {
        store.create_unit(&admin(), unit).await.unwrap();
    }

    let listed: Vec<String> = store.list_units().await.unwrap().into_iter().map(|u| u.code.to_string()).collect();

    assert_eq!(listed, ["46", "46.SXD", "46.SYT", "19803", "19802", "19801", "19950"]);
}

#[tokio::test]
async fn the_ancestors_of_a_ward_are_the_ward_then_the_city() {
    let store = fresh_store().await;
    seed_hue(&store).await;

    assert_eq!(store.unit_ancestors(&code("19753")).await.unwrap(), [code("19753"), code("46")]);
    assert_eq!(store.unit_ancestors(&code("46.SYT")).await.unwrap(), [code("46.SYT"), code("46")]);
    assert_eq!(store.unit_ancestors(&code("46")).await.unwrap(), [code("46")]);
    assert!(store.unit_ancestors(&code("19999")).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_rename_changes_the_name_and_keeps_the_old_one_in_the_history() {
    let store = fresh_store().await;
    seed_hue(&store).await;

    let renamed = store
        .rename_unit(&admin(), &code("19753"), "Phường Phú Xuân Mới", "New Phu Xuan Ward", reform_day())
        .await
        .unwrap();

    assert_eq!(renamed.name_vi, "Phường Phú Xuân Mới");
    assert_eq!(renamed.name_en, "New Phu Xuan Ward");
    assert_eq!(store.unit(&code("19753")).await.unwrap().unwrap(), renamed);
    let history = store.unit_changes(&code("19753")).await.unwrap();
    let kinds: Vec<_> = history.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [UnitChangeKind::Created, UnitChangeKind::Renamed]);
    let rename = &history[1];
    assert_eq!(rename.unit_code, "19753");
    assert_eq!(rename.effective_on, reform_day());
    assert_eq!(rename.details["from_vi"], "Phường Phú Xuân");
    assert_eq!(rename.details["from_en"], "Phu Xuan Ward");
    assert_eq!(rename.details["to_vi"], "Phường Phú Xuân Mới");
    assert_eq!(rename.details["to_en"], "New Phu Xuan Ward");
    // The list order follows the new name.
    let wards: Vec<String> =
        store.list_units().await.unwrap().into_iter().filter(|u| u.kind == UnitKind::Ward).map(|u| u.name_vi).collect();
    assert_eq!(wards, ["Phường Phú Xuân Mới", "Phường Thuận Hóa"]);

    expect_invalid(store.rename_unit(&admin(), &code("19999"), "X", "X", reform_day()).await, "unit_not_found");
}

#[tokio::test]
async fn merged_wards_end_on_the_effective_day_and_point_at_their_successor() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    create_successor_ward(&store).await;

    store.merge_units(&admin(), &[code("19753"), code("19789")], &code("19800"), reform_day()).await.unwrap();

    for source in ["19753", "19789"] {
        let unit = store.unit(&code(source)).await.unwrap().unwrap();
        assert_eq!(unit.valid_to, Some(reform_day()));
        assert_eq!(unit.successor_code, Some(code("19800")));
        assert!(unit.is_active_on(day(2025, 6, 30)), "{source} exists the day before");
        assert!(!unit.is_active_on(reform_day()), "{source} is gone on the day itself");
        assert!(!unit.is_active_on(day(2026, 1, 1)));
        let last = store.unit_changes(&code(source)).await.unwrap().pop().unwrap();
        assert_eq!(last.kind, UnitChangeKind::Merged);
        assert_eq!(last.effective_on, reform_day());
        assert_eq!(last.details["into"], "19800");
    }
    let target = store.unit(&code("19800")).await.unwrap().unwrap();
    assert!(target.is_active_on(day(2025, 6, 30)) && target.is_active_on(reform_day()));
    assert_eq!(target.successor_code, None);
    // Merged units stay in the tree for their history.
    assert_eq!(store.list_units().await.unwrap().len(), 5);
}

#[tokio::test]
async fn a_merge_that_breaks_a_rule_is_refused_and_changes_nothing() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    create_successor_ward(&store).await;
    store.retire_unit(&admin(), &code("46.SYT"), day(2025, 3, 1)).await.unwrap();
    let before = store.list_units().await.unwrap();
    let records_before = audit_actions(&store).await.len();

    expect_invalid(
        store.merge_units(&admin(), &[code("19753")], &code("19753"), reform_day()).await,
        "unit_merge_into_itself",
    );
    expect_invalid(
        store.merge_units(&admin(), &[code("19753")], &code("46.SYT"), reform_day()).await,
        "unit_merge_target_inactive",
    );
    expect_invalid(
        store.merge_units(&admin(), &[code("19753"), code("46.SYT")], &code("19800"), reform_day()).await,
        "unit_already_ended",
    );
    expect_invalid(store.merge_units(&admin(), &[code("19753")], &code("19999"), reform_day()).await, "unit_not_found");

    assert_eq!(store.list_units().await.unwrap(), before);
    assert_eq!(audit_actions(&store).await.len(), records_before);
}

#[tokio::test]
async fn a_retired_unit_ends_without_a_successor_and_cannot_end_twice() {
    let store = fresh_store().await;
    seed_hue(&store).await;

    let retired = store.retire_unit(&admin(), &code("46.SYT"), reform_day()).await.unwrap();

    assert_eq!(retired.valid_to, Some(reform_day()));
    assert_eq!(retired.successor_code, None);
    assert!(retired.is_active_on(day(2025, 6, 30)));
    assert!(!retired.is_active_on(reform_day()));
    assert_eq!(store.unit(&code("46.SYT")).await.unwrap().unwrap(), retired);
    let last = store.unit_changes(&code("46.SYT")).await.unwrap().pop().unwrap();
    assert_eq!(last.kind, UnitChangeKind::Retired);
    assert_eq!(last.effective_on, reform_day());
    expect_invalid(store.retire_unit(&admin(), &code("46.SYT"), day(2026, 1, 1)).await, "unit_already_ended");
    expect_invalid(store.retire_unit(&admin(), &code("19999"), reform_day()).await, "unit_not_found");
}

#[tokio::test]
async fn a_point_is_located_in_the_ward_whose_boundary_contains_it() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    draw_ward_boundaries(&store).await;
    let today = day(2025, 3, 1);

    let found = store.locate_unit(point(PHU_XUAN), today).await.unwrap().unwrap();
    assert_eq!(found.code, code("19753"));
    let found = store.locate_unit(point(THUAN_HOA), today).await.unwrap().unwrap();
    assert_eq!(found.code, code("19789"));
    assert_eq!(store.locate_unit(point(OFFSHORE), today).await.unwrap(), None);
}

#[tokio::test]
async fn locating_tests_the_polygon_itself_not_only_its_bounding_box() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    // A right triangle with its right angle at the south-west corner of a 0.02° box.
    let triangle = Area {
        polygons: vec![Polygon {
            exterior: vec![[107.57, 16.46], [107.59, 16.46], [107.57, 16.48], [107.57, 16.46]],
            holes: vec![],
        }],
    };
    store.set_unit_boundary(&admin(), &code("19753"), &triangle).await.unwrap();

    let inside = GeoPoint::new(16.462, 107.572).unwrap();
    let in_box_only = GeoPoint::new(16.478, 107.588).unwrap();
    assert_eq!(store.locate_unit(inside, reform_day()).await.unwrap().map(|u| u.code), Some(code("19753")));
    assert_eq!(store.locate_unit(in_box_only, reform_day()).await.unwrap(), None);
}

#[tokio::test]
async fn a_point_in_a_merged_wards_old_boundary_belongs_to_its_successor_from_the_merge_day() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    draw_ward_boundaries(&store).await;
    create_successor_ward(&store).await;
    store.merge_units(&admin(), &[code("19753"), code("19789")], &code("19800"), reform_day()).await.unwrap();

    let located = |p, d| {
        let store = store.store();
        async move { store.locate_unit(point(p), d).await.unwrap().map(|u| u.code.to_string()) }
    };
    assert_eq!(located(PHU_XUAN, day(2025, 6, 30)).await.as_deref(), Some("19753"));
    assert_eq!(located(THUAN_HOA, day(2025, 6, 30)).await.as_deref(), Some("19789"));
    assert_eq!(located(PHU_XUAN, reform_day()).await.as_deref(), Some("19800"));
    assert_eq!(located(THUAN_HOA, day(2026, 1, 1)).await.as_deref(), Some("19800"));
    assert_eq!(located(OFFSHORE, day(2026, 1, 1)).await, None);
}

#[tokio::test]
async fn a_point_in_a_retired_wards_boundary_belongs_to_no_ward_after_retirement() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    draw_ward_boundaries(&store).await;
    store.retire_unit(&admin(), &code("19753"), reform_day()).await.unwrap();

    let before = store.locate_unit(point(PHU_XUAN), day(2025, 6, 30)).await.unwrap();
    assert_eq!(before.map(|u| u.code), Some(code("19753")));
    assert_eq!(store.locate_unit(point(PHU_XUAN), reform_day()).await.unwrap(), None);
}

#[tokio::test]
async fn a_boundary_reads_back_exactly_and_a_new_one_replaces_it() {
    let store = fresh_store().await;
    seed_hue(&store).await;
    // Two parts, the first with a hole, coordinates with many decimals.
    let area = Area {
        polygons: vec![
            Polygon {
                exterior: vec![
                    [107.5712345, 16.4612345],
                    [107.5987654, 16.4612345],
                    [107.5987654, 16.4898765],
                    [107.5712345, 16.4898765],
                    [107.5712345, 16.4612345],
                ],
                holes: vec![vec![[107.58, 16.47], [107.585, 16.47], [107.585, 16.475], [107.58, 16.47]]],
            },
            square(16.50, 107.62, 0.003).polygons.remove(0),
        ],
    };

    assert_eq!(store.unit_boundary(&code("19753")).await.unwrap(), None);
    store.set_unit_boundary(&admin(), &code("19753"), &area).await.unwrap();
    assert_eq!(store.unit_boundary(&code("19753")).await.unwrap(), Some(area.clone()));

    let smaller = square(PHU_XUAN.0, PHU_XUAN.1, 0.005);
    store.set_unit_boundary(&admin(), &code("19753"), &smaller).await.unwrap();
    assert_eq!(store.unit_boundary(&code("19753")).await.unwrap(), Some(smaller));
    // The old second part no longer locates to the ward.
    let old_part = GeoPoint::new(16.50, 107.62).unwrap();
    assert_eq!(store.locate_unit(old_part, reform_day()).await.unwrap(), None);

    expect_invalid(store.set_unit_boundary(&admin(), &code("19999"), &area).await, "unit_not_found");
    assert_eq!(store.verify_audit().await.unwrap(), Ok(6));
}

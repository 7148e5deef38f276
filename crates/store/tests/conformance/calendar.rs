//! `calendar`: the per-year corrections of the working-day calendar an administrator enters from
//! the Prime Minister's decisions; one adjustment per day, each change audited.

use serde_json::json;
use smartcity_domain::calendar::DayAdjustment;
use smartcity_store::CalendarStore;
use smartcity_store::testing::fresh_store;

use crate::{admin, audit_trail, day};

fn day_off(y: i32, m: u32, d: u32, reason: &str) -> DayAdjustment {
    DayAdjustment::DayOff { date: day(y, m, d), reason: reason.to_owned() }
}

fn working_day(y: i32, m: u32, d: u32, reason: &str) -> DayAdjustment {
    DayAdjustment::WorkingDay { date: day(y, m, d), reason: reason.to_owned() }
}

#[tokio::test]
async fn adjustments_are_listed_by_date() {
    let store = fresh_store().await;
    assert!(store.day_adjustments().await.unwrap().is_empty());
    let swapped_saturday = working_day(2025, 2, 8, "Làm bù cho thứ Hai 27/01/2025");
    let tet = day_off(2025, 1, 27, "Hoán đổi ngày làm việc Tết Ất Tỵ 2025");
    let national_day = day_off(2025, 9, 1, "Nghỉ Quốc khánh 2025");

    for adjustment in [&swapped_saturday, &national_day, &tet] {
        store.set_day_adjustment(&admin(), adjustment).await.unwrap();
    }

    assert_eq!(store.day_adjustments().await.unwrap(), vec![tet, swapped_saturday, national_day]);
}

#[tokio::test]
async fn setting_a_day_again_replaces_its_adjustment_and_removing_it_restores_the_rules() {
    let store = fresh_store().await;
    store.set_day_adjustment(&admin(), &day_off(2026, 2, 16, "Tết Bính Ngọ (dự kiến)")).await.unwrap();
    store.set_day_adjustment(&admin(), &day_off(2026, 4, 27, "Giỗ Tổ Hùng Vương")).await.unwrap();

    let corrected = working_day(2026, 2, 16, "QĐ của Thủ tướng: làm việc bình thường");
    store.set_day_adjustment(&admin(), &corrected).await.unwrap();
    assert_eq!(
        store.day_adjustments().await.unwrap(),
        vec![corrected.clone(), day_off(2026, 4, 27, "Giỗ Tổ Hùng Vương")]
    );

    store.remove_day_adjustment(&admin(), day(2026, 4, 27)).await.unwrap();
    assert_eq!(store.day_adjustments().await.unwrap(), vec![corrected]);

    let trail: Vec<_> = audit_trail(&store)
        .await
        .into_iter()
        .map(|r| (r.action, r.record_type, r.record_id, r.actor, r.details))
        .collect();
    let by_admin = Some("test:admin".to_owned());
    assert_eq!(
        trail,
        vec![
            (
                "calendar.adjusted".to_owned(),
                "calendar".to_owned(),
                "2026-02-16".to_owned(),
                by_admin.clone(),
                json!({"kind": "day_off", "reason": "Tết Bính Ngọ (dự kiến)"})
            ),
            (
                "calendar.adjusted".to_owned(),
                "calendar".to_owned(),
                "2026-04-27".to_owned(),
                by_admin.clone(),
                json!({"kind": "day_off", "reason": "Giỗ Tổ Hùng Vương"})
            ),
            (
                "calendar.adjusted".to_owned(),
                "calendar".to_owned(),
                "2026-02-16".to_owned(),
                by_admin.clone(),
                json!({"kind": "working_day", "reason": "QĐ của Thủ tướng: làm việc bình thường"})
            ),
            (
                "calendar.adjustment_removed".to_owned(),
                "calendar".to_owned(),
                "2026-04-27".to_owned(),
                by_admin,
                json!({})
            ),
        ]
    );
}

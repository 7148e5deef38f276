//! `outbox`: events written with the change they announce wait until a worker delivers them; a
//! delivery writes its mails exactly once, even when two workers complete the same event, and an
//! event that keeps failing is eventually set aside.

use smartcity_store::Store;
use smartcity_store::dossiers::DossierStore;
use smartcity_store::outbox::{OutboxEvent, OutboxStore};
use smartcity_store::testing::fresh_store;
use uuid::Uuid;

use crate::{admin, counter_dossier, create_khai_sinh, day, morning_of, seed_hue};

/// Three submitted dossiers, hence three `dossier.submitted` events; returns their codes in order.
async fn three_submissions(store: &Store) -> Vec<String> {
    seed_hue(store).await;
    let procedure = create_khai_sinh(store).await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        let new = counter_dossier(&procedure, "H57.19753", "19753", day(2026, 3, 2));
        codes.push(store.submit_dossier(&admin(), new, morning_of(day(2026, 3, 2))).await.unwrap().code);
    }
    codes
}

fn codes_of(events: &[OutboxEvent]) -> Vec<String> {
    events.iter().map(|e| e.payload["code"].as_str().unwrap().to_owned()).collect()
}

fn mail(to: &str, subject: &str) -> (String, String, String) {
    (to.to_owned(), subject.to_owned(), format!("Kính gửi ông/bà,\n\n{subject}.\n\nTrân trọng."))
}

#[tokio::test]
async fn pending_events_come_oldest_first_and_leave_the_queue_once_completed() {
    let store = fresh_store().await;
    let codes = three_submissions(&store).await;

    let pending = store.pending_events(10).await.unwrap();
    assert_eq!(codes_of(&pending), codes);
    assert!(pending.iter().all(|e| e.topic == "dossier.submitted" && e.attempts == 0));
    assert_eq!(codes_of(&store.pending_events(2).await.unwrap()), codes[..2]);

    store.complete_event(pending[0].id, &[]).await.unwrap();

    assert_eq!(codes_of(&store.pending_events(10).await.unwrap()), codes[1..]);
    assert!(store.list_mail(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_completed_event_writes_its_mails_once_even_when_completed_twice() {
    let store = fresh_store().await;
    three_submissions(&store).await;
    let pending = store.pending_events(10).await.unwrap();
    let mails = [
        mail("an.nguyen@example.vn", "Hồ sơ H57.19753-260302-0001 đã được tiếp nhận"),
        mail("mot-cua@phuxuan.hue.gov.vn", "Có hồ sơ mới"),
    ];

    store.complete_event(pending[0].id, &mails).await.unwrap();
    // A second worker that picked the same event finishes after the first.
    store.complete_event(pending[0].id, &mails).await.unwrap();

    let written = store.list_mail(10).await.unwrap();
    assert_eq!(written.len(), 2);
    let mut sent: Vec<_> = written.iter().map(|m| (m.to_address.clone(), m.subject.clone(), m.body.clone())).collect();
    sent.sort();
    let mut expected = mails.to_vec();
    expected.sort();
    assert_eq!(sent, expected);
    assert!(written.iter().all(|m| m.sent_at.is_none()));
    // Mails of a later event come first.
    store.complete_event(pending[1].id, &[mail("mai.ho@example.vn", "Mới nhất")]).await.unwrap();
    let newest = store.list_mail(1).await.unwrap();
    assert_eq!(newest[0].subject, "Mới nhất");
    assert_eq!(store.list_mail(10).await.unwrap().len(), 3);
    // Completing an event that does not exist writes nothing.
    store.complete_event(Uuid::now_v7(), &[mail("x@example.vn", "Không có")]).await.unwrap();
    assert_eq!(store.list_mail(10).await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_failed_delivery_is_counted_and_retried_until_the_tenth_attempt() {
    let store = fresh_store().await;
    let codes = three_submissions(&store).await;
    let failing = store.pending_events(1).await.unwrap().remove(0);

    store.fail_event(failing.id).await.unwrap();

    let pending = store.pending_events(10).await.unwrap();
    assert_eq!(codes_of(&pending), codes);
    assert_eq!(pending[0].attempts, 1);
    assert_eq!(pending[1].attempts, 0);
    for _ in 0..8 {
        store.fail_event(failing.id).await.unwrap();
    }
    assert_eq!(store.pending_events(10).await.unwrap()[0].attempts, 9);
    store.fail_event(failing.id).await.unwrap();
    assert_eq!(codes_of(&store.pending_events(10).await.unwrap()), codes[1..]);
    // Failing an unknown event is harmless.
    assert!(matches!(store.fail_event(Uuid::now_v7()).await, Ok(())));
}

//! Field reports from the command line: the demo map's reports in every status, `demo --reports N` for
//! benchmarks, and Open311 partner keys (`open311-key add|list|revoke`).

use std::collections::BTreeSet;

use smartcity_domain::reports::ReportStatus;

use crate::support::Installation;

#[test]
fn the_demo_shows_reports_in_every_status_and_demo_reports_adds_more() {
    let site = Installation::new().with_demo();
    let before = site.tables();
    let statuses: BTreeSet<&str> = before.reports.iter().map(|r| r.status.as_str()).collect();
    for status in ReportStatus::ALL {
        assert!(statuses.contains(status.as_str()), "no demo report is {status:?}");
    }
    assert!(before.reports.len() >= 200, "{}", before.reports.len());

    let out = site.run(&["demo", "--reports", "600"]).success();
    assert!(out.stdout.contains("600 synthetic field reports generated"), "{}", out.stdout);
    let after = site.tables();
    assert_eq!(after.reports.len(), before.reports.len() + 600);
    let added: Vec<_> = after.reports.iter().filter(|r| !before.reports.iter().any(|b| b.id == r.id)).collect();
    let wards: BTreeSet<_> = added.iter().filter_map(|r| r.ward_code.as_deref()).collect();
    assert!(wards.len() > 20, "spread over the wards: {wards:?}");
    let categories: BTreeSet<_> = added.iter().map(|r| r.service_code.as_str()).collect();
    assert!(categories.len() > 10, "spread over the categories: {categories:?}");
    let oldest = added.iter().map(|r| r.created_at).min().expect("reports");
    assert!(chrono::Utc::now() - oldest > chrono::TimeDelta::days(180), "spread over the years");
    for r in &added {
        assert!(r.updated_at >= r.created_at && r.created_at <= chrono::Utc::now());
        let events: Vec<_> = after.report_events.iter().filter(|e| e.report_id == r.id).collect();
        assert_eq!(events.first().map(|e| e.action.as_str()), Some("submit"));
        assert_eq!(events.last().map(|e| e.to_status.as_str()), Some(r.status.as_str()), "timeline ends in the status");
        if r.status == "rejected_duplicate" {
            assert!(r.duplicate_of.is_some());
        }
    }
    site.run(&["audit", "verify"]).success();
}

#[test]
fn an_operator_creates_lists_and_revokes_a_partner_key() {
    let site = Installation::new();
    let out = site.run(&["open311-key", "add", "FixMyStreet Huế"]).success();
    let secret = out.stdout.trim().to_owned();
    assert!(secret.starts_with("o311_") && secret.len() > 40, "{secret}");
    assert!(out.stderr.contains("shown only once"), "{}", out.stderr);
    let list = site.run(&["open311-key", "list"]).success();
    assert!(list.stdout.contains("FixMyStreet Huế") && list.stdout.contains("active"), "{}", list.stdout);
    assert!(!list.stdout.contains(&secret), "the secret is never listed");
    let tables = site.tables();
    assert_eq!(tables.open311_api_keys.len(), 1);
    assert_ne!(tables.open311_api_keys[0].key_hash, secret, "only the hash is stored");

    let id = list.stdout.split('\t').next().unwrap_or_default().to_owned();
    site.run(&["open311-key", "revoke", &id]).success();
    assert!(site.run(&["open311-key", "list"]).success().stdout.contains("revoked"));
    let again = site.run(&["open311-key", "revoke", &id]).exit_code(1);
    assert!(again.stderr.contains("no active key") && again.stderr.contains("không có khóa"), "{}", again.stderr);
    let blank = site.run(&["open311-key", "add", "  "]).exit_code(1);
    assert!(blank.stderr.contains("partner's name"), "{}", blank.stderr);
}

//! Field-report notifications, written to the mail outbox by the outbox worker: the reporter hears
//! of acceptance, rejection, an extension, the answer, a reopening and closing (by mail, or an
//! SMS-shaped entry `sms:…` for a phone contact); the handling unit's staff hear of an assignment or
//! transfer, of a reopened report and of a deadline a day away; an overdue report is escalated to
//! the unit's leader and the IOC. The unit's mails never carry the reporter's identity.
//!
//! Reminders are found by [`remind_due_reports`], which the `serve` worker calls; each reminder is
//! recorded with its outbox event in one transaction, so it goes out once per deadline.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use smartcity_domain::identity::Role;
use smartcity_store::reports::{Report, ReportStore};
use smartcity_store::{ReportHandlingStore, Store};
use uuid::Uuid;

use super::workflow::UNIT_ROLES;
use crate::error::AppResult;

/// The unit is reminded this long before a deadline.
pub const REMIND_BEFORE: TimeDelta = TimeDelta::days(1);
/// The unit code of the operations centre, whose operators receive escalations.
pub const IOC_UNIT: &str = "46.IOC";

type Mail = (String, String, String);

fn reporter_address(report: &Report) -> Option<String> {
    report.reporter.email.clone().or_else(|| report.reporter.phone.as_ref().map(|p| format!("sms:{p}")))
}

fn reporter_mail(report: &Report, subject: &str, line: &str, note: &str) -> Option<Mail> {
    let to = reporter_address(report)?;
    let name = report.reporter.name.as_deref().unwrap_or("bạn");
    let body = format!(
        "Kính gửi {name},\n\n{line}\n\nTrạng thái: {status}\nXem phản ánh: /phan-anh/{id}\n\n{note}",
        status = report.status.label_vi(),
        id = report.id,
    );
    Some((to, format!("Phản ánh {} {subject}", super::citizen::short_id(&report.id)), body.trim_end().to_owned()))
}

async fn unit_mails(store: &Store, report: &Report, roles: &[Role], subject: &str, line: &str) -> AppResult<Vec<Mail>> {
    let Some(unit) = &report.handling_unit_code else { return Ok(Vec::new()) };
    // What the unit reads is what the public reads: category, place, description, no reporter.
    let body = format!(
        "{line}\n\nLĩnh vực: {category}\nMô tả: {description}\nHạn xử lý: {due}\nXử lý tại: /don-vi/phan-anh/{id}",
        category = report.service_code,
        description = report.description,
        due = report.due_at.map(smartcity_domain::time::format_local_datetime).unwrap_or_default(),
        id = report.id,
    );
    let subject = format!("Phản ánh {} {subject}", super::citizen::short_id(&report.id));
    Ok(store.staff_emails(unit, roles).await?.into_iter().map(|to| (to, subject.clone(), body.clone())).collect())
}

/// The mails for one outbox event of the reports capability (`report.*`); empty for other topics.
pub async fn mails_for(store: &Store, topic: &str, payload: &Value) -> AppResult<Vec<Mail>> {
    let Some(action) = topic.strip_prefix("report.") else { return Ok(Vec::new()) };
    let Some(id) = payload.get("report_id").and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok()) else {
        return Ok(Vec::new());
    };
    let Some(report) = store.report(id).await? else { return Ok(Vec::new()) };
    let note = payload.get("note").and_then(Value::as_str).unwrap_or_default();
    let mut mails = Vec::new();
    let to_reporter = |subject: &str, line: &str| reporter_mail(&report, subject, line, note);
    match action {
        "accept" => {
            mails.extend(to_reporter("đã được tiếp nhận", "Phản ánh của bạn đã được IOC xác minh và tiếp nhận."))
        }
        "reject" => mails.extend(to_reporter(
            "không được tiếp nhận",
            "Phản ánh của bạn không được tiếp nhận; xem lý do trên trang phản ánh.",
        )),
        "extend" => mails.extend(to_reporter(
            "được gia hạn xử lý",
            "Đơn vị xử lý đã gia hạn; xem lý do và hạn mới trên trang phản ánh.",
        )),
        "answer" => mails.extend(to_reporter(
            "đã có trả lời",
            "Đơn vị xử lý đã trả lời phản ánh của bạn. Mời bạn đánh giá kết quả.",
        )),
        "reopen" => {
            mails.extend(to_reporter("được mở lại", "IOC đã mở lại phản ánh của bạn để xử lý tiếp."));
            mails.extend(
                unit_mails(store, &report, &UNIT_ROLES, "được mở lại", "IOC đã mở lại phản ánh; hãy xử lý tiếp.")
                    .await?,
            );
        }
        "close" => mails.extend(to_reporter("đã đóng", "Phản ánh của bạn đã được đóng. Cảm ơn bạn.")),
        "route" | "transfer" => {
            if payload.get("status").and_then(Value::as_str) == Some("assigned") && action == "route" {
                mails.extend(to_reporter("đã được chuyển xử lý", "Phản ánh của bạn đã được chuyển đến đơn vị xử lý."));
            }
            mails.extend(
                unit_mails(store, &report, &UNIT_ROLES, "được giao cho đơn vị", "Đơn vị được giao xử lý một phản ánh.")
                    .await?,
            );
        }
        "near_deadline" => {
            mails.extend(
                unit_mails(
                    store,
                    &report,
                    &UNIT_ROLES,
                    "sắp đến hạn xử lý",
                    "Phản ánh sắp đến hạn xử lý (còn dưới 1 ngày).",
                )
                .await?,
            );
        }
        "overdue" => {
            let line = "Phản ánh đã quá hạn xử lý mà chưa có trả lời.";
            mails.extend(unit_mails(store, &report, &[Role::UnitLeader], "quá hạn xử lý", line).await?);
            let ioc = store.staff_emails(IOC_UNIT, &[Role::IocOperator]).await?;
            let subject = format!("Phản ánh {} quá hạn xử lý", super::citizen::short_id(&report.id));
            let body = format!(
                "{line}\n\nĐơn vị xử lý: {unit}\nXem: /ioc/phan-anh/{id}",
                unit = report.handling_unit_code.as_deref().unwrap_or("—"),
                id = report.id
            );
            mails.extend(ioc.into_iter().map(|to| (to, subject.clone(), body.clone())));
        }
        _ => {}
    }
    Ok(mails)
}

/// Enqueue the reminders that are due at `now`: a day before the deadline to the unit, and after
/// it an escalation to the unit leader and the IOC. Returns how many were enqueued.
pub async fn remind_due_reports(store: &Store, now: DateTime<Utc>, limit: i64) -> AppResult<usize> {
    let mut sent = 0;
    for (kind, due_by) in [("overdue", now), ("near_deadline", now + REMIND_BEFORE)] {
        for report in store.reports_needing_reminder(kind, due_by, limit).await? {
            if report.handling_unit_code.is_none() {
                continue;
            }
            let payload = json!({"report_id": report.id.to_string(), "status": report.status.as_str()});
            if store.record_report_reminder(&report, kind, &format!("report.{kind}"), &payload).await? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

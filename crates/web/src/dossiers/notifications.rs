//! Delivering outbox events as notifications to applicants: a mail in the mail outbox (or, when
//! the contact is a phone number, an SMS-shaped entry addressed `sms:…`) on acceptance, supplement
//! request, delay, refusal, stop and result. Runs in a background worker of `serve`; idempotent
//! because an event's mails are written in the same transaction that marks it delivered.

use smartcity_store::{DossierStore, OutboxStore, ProcedureStore};
use uuid::Uuid;

use crate::error::AppResult;

/// The mail for one event, if the event concerns the applicant.
async fn mail_for(
    store: &smartcity_store::Store,
    topic: &str,
    payload: &serde_json::Value,
) -> AppResult<Option<(String, String, String)>> {
    let Some(action) = topic.strip_prefix("dossier.") else { return Ok(None) };
    let Some(id) = payload.get("dossier_id").and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok()) else {
        return Ok(None);
    };
    let Some(d) = store.dossier(id).await? else { return Ok(None) };
    let procedure = store.procedure(d.procedure_id).await?.map(|p| p.name_vi).unwrap_or_default();
    let (subject, line) = match action {
        "submitted" => ("đã được gửi", "Hồ sơ của bạn đã được gửi và đang chờ tiếp nhận."),
        "accept" => ("đã được tiếp nhận", "Hồ sơ đã được tiếp nhận; xem giấy tiếp nhận và hẹn trả kết quả (mẫu 01)."),
        "request_supplement" => (
            "cần bổ sung",
            "Cơ quan yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02). Vui lòng bổ sung trước hạn ghi trên phiếu.",
        ),
        "refuse" => ("không được tiếp nhận", "Hồ sơ không được tiếp nhận (mẫu 03)."),
        "extend_deadline" => (
            "được hẹn lại ngày trả kết quả",
            "Cơ quan xin lỗi vì chậm giải quyết và hẹn lại ngày trả kết quả (mẫu 04).",
        ),
        "stop" => ("bị dừng giải quyết", "Hồ sơ bị dừng giải quyết (mẫu 05)."),
        "approve" | "mark_processed" => ("đã có kết quả", "Hồ sơ đã giải quyết xong; kết quả sẵn sàng để trả."),
        "return_result" => ("đã trả kết quả", "Kết quả đã được trả. Mời bạn đánh giá mức độ hài lòng."),
        _ => return Ok(None),
    };
    let to = if d.applicant_contact.contains('@') {
        d.applicant_contact.clone()
    } else {
        format!("sms:{}", d.applicant_contact)
    };
    let body = format!(
        "Kính gửi {name},\n\n{line}\n\nThủ tục: {procedure}\nMã hồ sơ: {code}\nTrạng thái: {status}\nTra cứu: /lookup?code={code}\n\n{note}",
        name = d.applicant_name,
        code = d.code,
        status = d.status.label_vi(),
        note = payload.get("note").and_then(|n| n.as_str()).unwrap_or_default(),
    );
    Ok(Some((to, format!("Hồ sơ {} {subject}", d.code), body.trim_end().to_owned())))
}

/// Deliver up to `limit` pending events; returns how many were delivered.
pub async fn deliver_pending(store: &smartcity_store::Store, limit: i64) -> AppResult<usize> {
    let events = store.pending_events(limit).await?;
    let mut delivered = 0;
    for event in events {
        let mails = async {
            let mut mails: Vec<_> = mail_for(store, &event.topic, &event.payload).await?.into_iter().collect();
            mails.extend(crate::reports::notifications::mails_for(store, &event.topic, &event.payload).await?);
            AppResult::Ok(mails)
        };
        match mails.await {
            Ok(mails) => {
                store.complete_event(event.id, &mails).await?;
                delivered += 1;
            }
            Err(e) => {
                tracing::warn!(event = %event.id, error = %e, "outbox delivery failed");
                store.fail_event(event.id).await?;
            }
        }
    }
    Ok(delivered)
}

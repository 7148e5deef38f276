//! Demo field reports for the pages: which unit each agency kind routes to, and a dozen reports in
//! Phú Xuân and Thuận Hóa that between them are in every status — new, verified, the three
//! rejections, routed, in progress, extended, transferred, answered (rated and not), reopened after a
//! dissatisfied rating, closed — with answers, ratings, a "+1" and a likely duplicate for the IOC.
//! Every step goes through the same workflow as the pages (`smartcity_web::reports::workflow`), so
//! the demo only contains what the rules allow.

use anyhow::Context;
use chrono::TimeDelta;
use smartcity_domain::dossiers::Rating;
use smartcity_domain::geo::GeoPoint;
use smartcity_domain::reports::{AgencyKind, RejectReason, ReportAction};
use smartcity_domain::units::UnitCode;
use smartcity_store::reports::{NewPhoto, NewReport, Report, Reporter};
use smartcity_store::{AuditContext, IdentityStore, ReportHandlingStore, Store, UnitStore};
use smartcity_web::reports::workflow;
use smartcity_web::shell::auth::{AuthVia, CurrentUser, Identity};
use smartcity_web::{AppState, WebConfig};

/// Which demo unit handles each agency kind. Lighting, water and parks have no unit of their own in
/// the demo: routing falls back to the ward containing the point.
const AGENCIES: [(AgencyKind, &str); 7] = [
    (AgencyKind::Construction, "46.SXD"),
    (AgencyKind::Environment, "46.SNNMT"),
    (AgencyKind::Police, "46.CA"),
    (AgencyKind::Health, "46.SYT"),
    (AgencyKind::Tourism, "46.SVHTT"),
    (AgencyKind::Heritage, "46.SVHTT"),
    (AgencyKind::PublicServices, "46.TTHCC"),
];

/// A small photo (a 1 × 1 PNG, re-encoded like every upload).
const PHOTO_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0xFC, 0xCF, 0xC0, 0x50, 0x0F, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xA9, 0x8C,
    0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// What happens to one demo report after it is sent.
#[derive(Clone, Copy)]
enum Fate {
    New,
    Verified,
    Rejected(RejectReason),
    Routed,
    InProgress,
    Extended,
    Transferred,
    Answered(Option<Rating>),
    Reopened,
    Closed,
}

/// (category, ward, metres north of the ward's centre, description, fate).
const SAMPLES: [(&str, &str, f64, &str, Fate); 13] = [
    ("CS", "19789", 0.0, "Đèn đường trước số 20 Lê Lợi không sáng ba đêm nay.", Fate::New),
    ("CS", "19789", 15.0, "Cột đèn gần cầu Trường Tiền tắt, đường rất tối.", Fate::New),
    ("MT", "19753", 0.0, "Rác thải tồn đọng ở đầu kiệt 42 Đinh Tiên Hoàng.", Fate::Verified),
    ("KHAC", "19753", 200.0, "test thử ứng dụng", Fate::Rejected(RejectReason::Invalid)),
    ("MT", "19753", 5.0, "Rác đầu kiệt 42 Đinh Tiên Hoàng chưa ai dọn.", Fate::Rejected(RejectReason::Duplicate)),
    ("VT", "19789", 400.0, "Mạng điện thoại yếu trong nhà tôi.", Fate::Rejected(RejectReason::NotOurs)),
    ("GT", "19789", 300.0, "Ổ gà lớn giữa đường Hùng Vương, xe máy dễ ngã.", Fate::Routed),
    ("TTDT", "19753", 350.0, "Lấn chiếm vỉa hè bán hàng trên đường Trần Hưng Đạo.", Fate::InProgress),
    ("CTN", "19789", 600.0, "Cống thoát nước bị tắc, ngập sau mỗi cơn mưa.", Fate::Extended),
    ("DD", "19753", 500.0, "Đổ đất san lấp trái phép bên bờ sông.", Fate::Transferred),
    ("CX", "19789", 800.0, "Cây xanh nghiêng sắp đổ trước trường học.", Fate::Answered(Some(Rating::Satisfied))),
    ("MT", "19789", 1000.0, "Bãi rác tự phát cạnh chợ Đông Ba.", Fate::Reopened),
    ("CS", "19753", 900.0, "Đèn chiếu sáng công viên bật cả ban ngày.", Fate::Closed),
];

/// Demo staff who act on the samples.
const IOC_EMAIL: &str = "ioc@hue.demo";

async fn acting(store: &Store, email: &str) -> anyhow::Result<CurrentUser> {
    let (account, _) =
        store.account_for_login(email).await?.with_context(|| format!("demo account {email} is missing"))?;
    Ok(CurrentUser(Identity { account, via: AuthVia::ApiToken }))
}

/// The demo officer of a ward's handling unit.
fn officer_of(unit: &str) -> &'static str {
    if unit == super::DEMO_WARD_CODE { "processing@hue.demo" } else { super::UNIT_EMAIL }
}

/// Load the samples; returns how many reports were created.
pub async fn load(store: &Store) -> anyhow::Result<usize> {
    let ctx = AuditContext::system(super::DEMO_ACTOR);
    for (kind, unit) in AGENCIES {
        store.set_report_agency(&ctx, kind, unit).await?;
    }
    let state = AppState::new(store.clone(), WebConfig::default());
    let ioc = acting(store, IOC_EMAIL).await?;
    let citizen = acting(store, super::CITIZEN_EMAIL).await?;
    let today = chrono::Utc::now().with_timezone(&smartcity_domain::time::TZ).date_naive();
    let mut created = 0;
    let mut first_rubbish: Option<Report> = None;
    for (i, (category, ward, north_m, description, fate)) in SAMPLES.into_iter().enumerate() {
        let ward_unit = store.unit(&UnitCode::parse(ward)?).await?.context("demo ward")?;
        let (lat, lon) = (ward_unit.lat.context("ward centre")?, ward_unit.lon.context("ward centre")?);
        let point = GeoPoint { lat: lat + north_m / 111_195.0, lon };
        let located = store.locate_unit(point, today).await?.map(|u| u.code.to_string());
        // Half from the demo citizen (who rates the answers), half anonymous with a contact.
        let rated = matches!(fate, Fate::Answered(Some(_)) | Fate::Reopened | Fate::Closed);
        let reporter = if rated || i % 2 == 0 {
            let a = &citizen.0.account;
            Reporter {
                account_id: Some(a.id),
                name: Some(a.display_name.clone()),
                email: a.email.clone(),
                phone: a.phone.clone(),
            }
        } else {
            Reporter {
                account_id: None,
                name: Some("Lê Thị Mai".to_owned()),
                email: None,
                phone: Some("0935111222".to_owned()),
            }
        };
        let photo = workflow::clean_photo("anh.png", PHOTO_PNG.to_vec()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let new = NewReport {
            service_code: category.to_owned(),
            description: description.to_owned(),
            location: point,
            address: None,
            ward_code: located.or_else(|| Some(ward.to_owned())),
            handling_unit_code: None,
            reporter,
            api_key_id: None,
            photos: vec![photo.clone()],
        };
        let key = format!("demo-report-{i}");
        let sent = store.create_report_once(&ctx, new, Some(&key)).await?;
        if !sent.created {
            continue;
        }
        created += 1;
        let mut report = sent.report;
        if category == "MT" && first_rubbish.is_none() {
            first_rubbish = Some(report.clone());
        }
        let act = |report: Report, who: CurrentUser, action: ReportAction, photos: Vec<NewPhoto>| {
            let state = state.clone();
            async move {
                workflow::perform(&state, &who, None, &report, action, photos)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo report action: {e}"))
            }
        };
        let route = |report: Report| {
            let state = state.clone();
            let ioc = ioc.clone();
            async move {
                let proposal = workflow::proposal(&state, &report).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                let unit = proposal.unit.unwrap_or(UnitCode::parse(ward)?);
                workflow::perform(&state, &ioc, None, &report, ReportAction::Route { unit }, Vec::new())
                    .await
                    .map_err(|e| anyhow::anyhow!("demo routing: {e}"))
            }
        };
        match fate {
            Fate::New => {}
            Fate::Verified => {
                act(report, ioc.clone(), ReportAction::Accept, Vec::new()).await?;
            }
            Fate::Rejected(reason) => {
                let (duplicate_of, note) = match reason {
                    RejectReason::Duplicate => (first_rubbish.as_ref().map(|r| r.id.to_string()), None),
                    RejectReason::Invalid => (None, Some("Nội dung không phải sự việc hiện trường.".to_owned())),
                    RejectReason::NotOurs => {
                        (None, Some("Thuộc trách nhiệm nhà mạng; đề nghị liên hệ tổng đài nhà mạng.".to_owned()))
                    }
                };
                act(report, ioc.clone(), ReportAction::Reject { reason, duplicate_of, note }, Vec::new()).await?;
            }
            _ => {
                report = act(report, ioc.clone(), ReportAction::Accept, Vec::new()).await?;
                report = route(report).await?;
                let unit = report.handling_unit_code.clone().unwrap_or_default();
                if matches!(fate, Fate::Routed) || !unit.chars().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                let officer = acting(store, officer_of(&unit)).await?;
                report = act(report, officer.clone(), ReportAction::Start, Vec::new()).await?;
                match fate {
                    Fate::Extended => {
                        let new_due_at = report.due_at.unwrap_or_else(chrono::Utc::now) + TimeDelta::days(10);
                        let reason = "Chờ đơn vị thi công nạo vét theo kế hoạch tháng.".to_owned();
                        act(report, officer, ReportAction::Extend { reason, new_due_at }, Vec::new()).await?;
                    }
                    Fate::Transferred => {
                        let to_unit = UnitCode::parse("46.SNNMT")?;
                        let reason = "Thuộc thẩm quyền quản lý đất đai, môi trường của Sở.".to_owned();
                        act(report, officer, ReportAction::Transfer { to_unit, reason }, Vec::new()).await?;
                    }
                    Fate::Answered(_) | Fate::Closed => {
                        let text = "Đơn vị đã kiểm tra và khắc phục xong; xin cảm ơn người dân đã phản ánh.".to_owned();
                        report = act(report, officer, ReportAction::Answer { text }, vec![photo]).await?;
                        let rating = if let Fate::Answered(r) = fate { r } else { Some(Rating::Satisfied) };
                        if let Some(rating) = rating.filter(|_| report.reporter.account_id.is_some()) {
                            report =
                                act(report, citizen.clone(), ReportAction::Rate { rating, comment: None }, Vec::new())
                                    .await?;
                        }
                        if matches!(fate, Fate::Closed) {
                            act(report, ioc.clone(), ReportAction::Close, Vec::new()).await?;
                        }
                    }
                    Fate::Reopened => {
                        let text = "Đã thu gom rác.".to_owned();
                        report = act(report, officer, ReportAction::Answer { text }, Vec::new()).await?;
                        let rate = ReportAction::Rate {
                            rating: Rating::Dissatisfied,
                            comment: Some("Rác vẫn còn ở góc chợ.".to_owned()),
                        };
                        report = act(report, citizen.clone(), rate, Vec::new()).await?;
                        let reason = "Người dân báo rác vẫn còn; đề nghị kiểm tra lại.".to_owned();
                        act(report, ioc.clone(), ReportAction::Reopen { reason }, Vec::new()).await?;
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(rubbish) = first_rubbish {
        store.support_report(rubbish.id, "demo:neighbour-1").await?;
        store.support_report(rubbish.id, "demo:neighbour-2").await?;
    }
    Ok(created)
}

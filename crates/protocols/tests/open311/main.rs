//! Open311 conversations as FixMyStreet has them with the platform, end to end through the wire types and the
//! report state machine (no HTTP: the web layer adds routing on top of exactly these calls).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use smartcity_domain::dossiers::Rating;
use smartcity_domain::identity::Role;
use smartcity_domain::reports::{self, Actor, ReportAction, ReportFacts, ReportStatus};
use smartcity_domain::units::UnitCode;
use smartcity_protocols::open311::{
    Attribute, AttributeValue, CreatedRequest, CreatedRequests, Datatype, Document, ErrorBody, ExtendedStatus, Format,
    NewServiceRequest, NewUpdate, RequestReference, RequestStatus, RequestsQuery, ServiceDefinition,
    ServiceRequestUpdate, ServiceRequestUpdates, UpdateReceipt, UpdateReceipts, UpdatesQuery, api_key_of,
    check_jurisdiction, parse_urlencoded,
};

const JURISDICTION: &str = "hue.gov.vn";

fn definition() -> ServiceDefinition {
    ServiceDefinition {
        service_code: "MT".into(),
        attributes: vec![Attribute {
            variable: true,
            code: "LOAI".into(),
            datatype: Datatype::SingleValueList,
            required: true,
            datatype_description: None,
            order: 1,
            description: "Loại rác".into(),
            values: vec![AttributeValue { key: "sinh_hoat".into(), name: "Rác sinh hoạt".into() }],
        }],
    }
}

fn unit(code: &str) -> UnitCode {
    UnitCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}

fn local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| panic!("offset")))
}

/// The server side of POST requests: key first (403), then the form (400), jurisdiction (404), service (404),
/// attributes (400).
fn create(body: &str) -> Result<(NewServiceRequest, CreatedRequests), ErrorBody> {
    let pairs = parse_urlencoded(body.as_bytes());
    let key = api_key_of(&pairs).map_err(|e| e.body())?;
    if key != "fms-key" {
        return Err(ErrorBody {
            errors: vec![smartcity_protocols::open311::ErrorEntry { code: 403, description: "Invalid api_key".into() }],
        });
    }
    let request = NewServiceRequest::parse(&pairs).map_err(|e| e.body())?;
    check_jurisdiction(request.jurisdiction_id.as_deref(), &[JURISDICTION], false).map_err(|e| e.body())?;
    definition().check_attributes(&request.attributes).map_err(|e| e.body())?;
    let created = CreatedRequests(vec![CreatedRequest {
        reference: RequestReference::Id("PA-000123".into()),
        service_notice: Some("Hạn xử lý: 7 ngày làm việc.".into()),
        account_id: None,
    }]);
    Ok((request, created))
}

#[test]
fn fixmystreet_files_a_report_and_reads_the_answer_back() {
    // 1. FixMyStreet posts a report (its usual shape: split name, lat/long, an attribute with its own id).
    let body = "api_key=fms-key&jurisdiction_id=hue.gov.vn&service_code=MT&lat=16.4637&long=107.5909\
                &first_name=Nguy%E1%BB%85n&last_name=An&email=an%40example.vn&description=R%C3%A1c+t%E1%BB%93n+%C4%91%E1%BB%8Dng\
                &attribute%5BLOAI%5D=sinh_hoat&attribute%5Bfixmystreet_id%5D=987";
    let (request, created) = create(body).unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert_eq!(request.service_code, "MT");
    for format in Format::ALL {
        let wire = created.render(format);
        let seen_by_client = CreatedRequests::parse(format, &wire).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seen_by_client.0[0].reference, RequestReference::Id("PA-000123".into()));
    }

    // 2. The report moves through the IOC and the ward; every step becomes an update.
    let sent = DateTime::parse_from_rfc3339("2026-11-27T09:00:00+07:00").expect("date").with_timezone(&Utc);
    let ioc = Actor { role: Role::IocOperator, in_handling_unit: false, is_reporter: false };
    let ward = Actor { role: Role::ProcessingOfficer, in_handling_unit: true, is_reporter: false };
    let steps = [
        (ioc, ReportAction::Route { unit: unit("19753") }),
        (ward, ReportAction::Start),
        (ward, ReportAction::Answer { text: "Đã thu gom, vệ sinh khu vực.".into() }),
    ];
    let mut status = ReportStatus::Submitted;
    let mut facts = ReportFacts::new("PA-000123", sent);
    let mut updates = Vec::new();
    for (i, (actor, action)) in steps.into_iter().enumerate() {
        reports::authorize(action.kind(), &actor).unwrap_or_else(|e| panic!("{e}"));
        facts.now = sent + TimeDelta::hours(i as i64 + 1);
        let t = reports::transition(status, &action, &facts).unwrap_or_else(|e| panic!("{e}"));
        facts.handling_unit = t.handling_unit.or(facts.handling_unit);
        status = t.to;
        let description = match &action {
            ReportAction::Answer { text } => text.clone(),
            _ => status.label_vi().to_owned(),
        };
        updates.push(ServiceRequestUpdate {
            update_id: format!("U-{}", i + 1),
            service_request_id: "PA-000123".into(),
            status: ExtendedStatus::from_report(status),
            updated_datetime: local(facts.now),
            description,
            media_urls: vec![],
            external_status_code: Some(status.as_str().to_owned()),
            customer_reference: None,
            fixmystreet_id: Some("987".into()),
            extras: BTreeMap::new(),
        });
    }

    // 3. FixMyStreet polls the last two hours of updates and reads them in either format.
    let now = facts.now;
    let query = UpdatesQuery::parse(&parse_urlencoded(
        format!(
            "jurisdiction_id=hue.gov.vn&api_key=fms-key&start_date={}&end_date={}",
            (now - TimeDelta::hours(2)).format("%Y-%m-%dT%H:%M:%SZ"),
            now.format("%Y-%m-%dT%H:%M:%SZ")
        )
        .as_bytes(),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let (from, to) = query.window(now);
    let answer = ServiceRequestUpdates(
        updates.into_iter().filter(|u| (from..=to).contains(&u.updated_datetime.with_timezone(&Utc))).collect(),
    );
    assert_eq!(answer.0.len(), 3, "route, start and answer all fall in the last two hours");
    for format in Format::ALL {
        let seen = ServiceRequestUpdates::parse(format, &answer.render(format)).unwrap_or_else(|e| panic!("{e}"));
        let statuses: Vec<_> = seen.0.iter().map(|u| u.status).collect();
        assert_eq!(statuses, [ExtendedStatus::Investigating, ExtendedStatus::InProgress, ExtendedStatus::Closed]);
        let last = seen.0.last().expect("an update");
        assert_eq!(last.description, "Đã thu gom, vệ sinh khu vực.");
        assert_eq!(last.status.request_status(), Some(RequestStatus::Closed));
        assert_eq!(last.status.to_report(), Some(ReportStatus::Closed));
    }

    // 4. The citizen is not satisfied and reopens it on FixMyStreet, which posts the update back.
    let posted = NewUpdate::parse(&parse_urlencoded(
        b"api_key=fms-key&service_request_id=PA-000123&update_id=FMS-1&status=REOPEN\
          &updated_datetime=2026-11-28T08:00:00Z&description=V%E1%BA%ABn+c%C3%B2n+r%C3%A1c&first_name=-&last_name=-",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(posted.status.to_report(), Some(ReportStatus::Reopened));
    // On the platform, a reopening follows a dissatisfied rating and is the IOC's decision.
    let rated = ReportFacts { rating: Some(Rating::Dissatisfied), ..facts.clone() };
    let t = reports::transition(status, &ReportAction::Reopen { reason: posted.description.clone() }, &rated)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.to, ReportStatus::Reopened);
    let receipt = UpdateReceipts(vec![UpdateReceipt { update_id: "PU-1".into(), account_id: None }]);
    assert_eq!(UpdateReceipts::from_xml(&receipt.to_xml()).ok(), Some(receipt));
}

#[test]
fn refusals_come_back_as_well_formed_error_bodies() {
    let ok = "api_key=fms-key&service_code=MT&lat=16.4&long=107.5&attribute%5BLOAI%5D=sinh_hoat";
    let cases = [
        (ok.replace("api_key=fms-key&", ""), 403),
        (ok.replace("fms-key", "stolen"), 403),
        (ok.replace("&attribute%5BLOAI%5D=sinh_hoat", ""), 400),
        (ok.replace("sinh_hoat", "xay_dung"), 400),
        (ok.replace("lat=16.4", "lat=north"), 400),
        (format!("{ok}&jurisdiction_id=sfgov.org"), 404),
    ];
    for (body, status) in cases {
        let errors = create(&body).map(|_| ()).expect_err(&body);
        assert_eq!(errors.status(), status, "{body}");
        for format in Format::ALL {
            let wire = errors.render(format);
            assert_eq!(ErrorBody::parse(format, &wire).ok().as_ref(), Some(&errors), "{body}");
        }
        assert!(errors.to_xml().starts_with(r#"<?xml version="1.0" encoding="utf-8"?><errors><error><code>"#));
        assert!(errors.to_json().starts_with(r#"[{"code":"#));
    }
}

#[test]
fn a_polling_client_pages_through_recent_requests() {
    let now = DateTime::parse_from_rfc3339("2026-11-27T02:00:00Z").expect("date").with_timezone(&Utc);
    let query =
        RequestsQuery::parse(&parse_urlencoded(b"status=open&service_code=MT,GT&page=2&page_size=50&extensions=true"))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(query.offset(), 50);
    assert_eq!(query.window(now), Some((now - TimeDelta::days(90), now)));
    assert_eq!(query.statuses, [RequestStatus::Open]);
    let by_id = RequestsQuery::parse(&parse_urlencoded(b"service_request_id=PA-1,PA-2&status=closed")).expect("ids");
    assert!(by_id.is_by_id() && by_id.window(now).is_none());
}

//! mySociety's `servicerequestupdates` extension: the updates FixMyStreet polls (GET) and the citizen updates it
//! posts back (POST), with the extended statuses and their mapping to [`ReportStatus`].
//!
//! Reference: mySociety's open311-adapter `Role/mySociety.pm` (the Rx schemas) and FixMyStreet's Open311 client,
//! as summarised in `shared/reference/open311.md` §1.6.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use smartcity_domain::identity::Email;
use smartcity_domain::reports::{RejectReason, ReportStatus};

use super::errors::RequestError;
use super::params::{Params, parse_datetime, required};
use super::post::{AttributeInput, DESCRIPTION_MAX_CHARS, api_key_of, attributes, media_urls};
use super::query::DEFAULT_WINDOW_DAYS;
use super::requests::RequestStatus;
use super::wire::{DecodeError, In, Node, Obj, Shape, document};

/// Hours covered by GET updates when the client gives no window: the last two, the window FixMyStreet asks for
/// on every run.
pub const DEFAULT_UPDATES_WINDOW_HOURS: i64 = 2;

/// Trạng thái mở rộng: mySociety's extended statuses, lower case in GET updates, upper case when posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtendedStatus {
    /// No change of state (a comment).
    Unchanged,
    /// Open (FixMyStreet: confirmed).
    Open,
    /// Closed, without saying it was fixed.
    Closed,
    /// Fixed.
    Fixed,
    /// Work is going on.
    InProgress,
    /// Planned (a synonym of action scheduled in some back offices).
    Planned,
    /// Action scheduled.
    ActionScheduled,
    /// Being investigated.
    Investigating,
    /// A duplicate of another report.
    Duplicate,
    /// Not the council's responsibility.
    NotCouncilsResponsibility,
    /// No further action (FixMyStreet: unable to fix).
    NoFurtherAction,
    /// Passed to another team.
    InternalReferral,
    /// Cancelled.
    Cancelled,
    /// Reopened by the citizen.
    Reopen,
    /// Waiting for triage.
    ForTriage,
}

impl ExtendedStatus {
    /// Every status.
    pub const ALL: [ExtendedStatus; 15] = [
        ExtendedStatus::Unchanged,
        ExtendedStatus::Open,
        ExtendedStatus::Closed,
        ExtendedStatus::Fixed,
        ExtendedStatus::InProgress,
        ExtendedStatus::Planned,
        ExtendedStatus::ActionScheduled,
        ExtendedStatus::Investigating,
        ExtendedStatus::Duplicate,
        ExtendedStatus::NotCouncilsResponsibility,
        ExtendedStatus::NoFurtherAction,
        ExtendedStatus::InternalReferral,
        ExtendedStatus::Cancelled,
        ExtendedStatus::Reopen,
        ExtendedStatus::ForTriage,
    ];

    /// The lower-case wire value used in GET updates, e.g. `not_councils_responsibility`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtendedStatus::Unchanged => "unchanged",
            ExtendedStatus::Open => "open",
            ExtendedStatus::Closed => "closed",
            ExtendedStatus::Fixed => "fixed",
            ExtendedStatus::InProgress => "in_progress",
            ExtendedStatus::Planned => "planned",
            ExtendedStatus::ActionScheduled => "action_scheduled",
            ExtendedStatus::Investigating => "investigating",
            ExtendedStatus::Duplicate => "duplicate",
            ExtendedStatus::NotCouncilsResponsibility => "not_councils_responsibility",
            ExtendedStatus::NoFurtherAction => "no_further_action",
            ExtendedStatus::InternalReferral => "internal_referral",
            ExtendedStatus::Cancelled => "cancelled",
            ExtendedStatus::Reopen => "reopen",
            ExtendedStatus::ForTriage => "for_triage",
        }
    }

    /// The upper-case value used when posting, e.g. `ACTION_SCHEDULED`.
    pub fn as_upper(self) -> String {
        self.as_str().to_ascii_uppercase()
    }

    /// Reads a status in any case, with `_`, `-` or spaces between words (`FIXED`, `in progress`,
    /// `Action-Scheduled`).
    pub fn parse(s: &str) -> Option<Self> {
        let normal: String =
            s.trim().chars().map(|c| if matches!(c, ' ' | '-') { '_' } else { c.to_ascii_lowercase() }).collect();
        ExtendedStatus::ALL.into_iter().find(|x| x.as_str() == normal)
    }

    /// The status FixMyStreet is told about a report in `status`:
    ///
    /// | report | extended |
    /// |---|---|
    /// | submitted, verified, reopened | open |
    /// | assigned, transferred | investigating |
    /// | in progress | in_progress |
    /// | extended | action_scheduled (a new date has been set) |
    /// | answered, closed | closed |
    /// | rejected: duplicate | duplicate |
    /// | rejected: not ours | not_councils_responsibility |
    /// | rejected: invalid | no_further_action |
    ///
    /// An answer is sent as `closed`, never `fixed`: a unit's answer may say that nothing can be done, and
    /// FixMyStreet's users asked for "closed" not to be shown as "fixed" (issue #285).
    pub fn from_report(status: ReportStatus) -> Self {
        use ReportStatus as S;
        match status {
            S::Submitted | S::Verified | S::Reopened => ExtendedStatus::Open,
            S::Assigned | S::Transferred => ExtendedStatus::Investigating,
            S::InProgress => ExtendedStatus::InProgress,
            S::Extended => ExtendedStatus::ActionScheduled,
            S::Answered | S::Closed => ExtendedStatus::Closed,
            S::Rejected(RejectReason::Duplicate) => ExtendedStatus::Duplicate,
            S::Rejected(RejectReason::NotOurs) => ExtendedStatus::NotCouncilsResponsibility,
            S::Rejected(RejectReason::Invalid) => ExtendedStatus::NoFurtherAction,
        }
    }

    /// The report status an update with this status suggests, when importing from a back office that speaks
    /// these statuses; `None` when the update changes no state (`unchanged`). The state machine still decides
    /// whether the change is allowed from where the report is.
    ///
    /// open → verified, for_triage → submitted, investigating → assigned, in_progress / planned /
    /// action_scheduled → in progress, fixed / no_further_action → answered, closed → closed, duplicate →
    /// rejected (duplicate), not_councils_responsibility → rejected (not ours), cancelled → rejected (invalid),
    /// internal_referral → transferred, reopen → reopened.
    pub fn to_report(self) -> Option<ReportStatus> {
        use ReportStatus as S;
        Some(match self {
            ExtendedStatus::Unchanged => return None,
            ExtendedStatus::Open => S::Verified,
            ExtendedStatus::ForTriage => S::Submitted,
            ExtendedStatus::Investigating => S::Assigned,
            ExtendedStatus::InProgress | ExtendedStatus::Planned | ExtendedStatus::ActionScheduled => S::InProgress,
            ExtendedStatus::Fixed | ExtendedStatus::NoFurtherAction => S::Answered,
            ExtendedStatus::Closed => S::Closed,
            ExtendedStatus::Duplicate => S::Rejected(RejectReason::Duplicate),
            ExtendedStatus::NotCouncilsResponsibility => S::Rejected(RejectReason::NotOurs),
            ExtendedStatus::Cancelled => S::Rejected(RejectReason::Invalid),
            ExtendedStatus::InternalReferral => S::Transferred,
            ExtendedStatus::Reopen => S::Reopened,
        })
    }

    /// Open or closed in plain GeoReport terms (FixMyStreet's grouping); `None` for `unchanged`.
    pub fn request_status(self) -> Option<RequestStatus> {
        use ExtendedStatus as X;
        match self {
            X::Unchanged => None,
            X::Open | X::InProgress | X::Planned | X::ActionScheduled | X::Investigating | X::Reopen | X::ForTriage => {
                Some(RequestStatus::Open)
            }
            X::Closed
            | X::Fixed
            | X::Duplicate
            | X::NotCouncilsResponsibility
            | X::NoFurtherAction
            | X::InternalReferral
            | X::Cancelled => Some(RequestStatus::Closed),
        }
    }
}

/// A key of an update's `extras` map: it becomes an XML element name, so 1–64 ASCII letters, digits, `_`, `-`
/// or `.`, starting with a letter or `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExtraKey(String);

impl ExtraKey {
    /// Checks a key.
    pub fn parse(s: &str) -> Option<Self> {
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        (first_ok && rest_ok && s.len() <= 64).then(|| ExtraKey(s.to_owned()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One `request_update` of GET servicerequestupdates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRequestUpdate {
    /// Unique per update; FixMyStreet de-duplicates on it.
    pub update_id: String,
    /// The request it belongs to.
    pub service_request_id: String,
    /// The status after the update.
    pub status: ExtendedStatus,
    /// When it happened.
    pub updated_datetime: DateTime<FixedOffset>,
    /// The public text (may be empty; always sent).
    pub description: String,
    /// Photos: sent as one string (empty when none, as mySociety's adapter does) or, when there are several, as
    /// a repeated element / JSON array.
    pub media_urls: Vec<String>,
    /// A back-office status code FixMyStreet maps to response templates.
    pub external_status_code: Option<String>,
    /// A reference the citizen was given.
    pub customer_reference: Option<String>,
    /// The FixMyStreet report this is about.
    pub fixmystreet_id: Option<String>,
    /// Free-form extras (category changes, assigned user…).
    pub extras: BTreeMap<ExtraKey, String>,
}

impl ServiceRequestUpdate {
    fn to_node(&self) -> Node {
        let media = match self.media_urls.as_slice() {
            [] => Node::Text(String::new()),
            [one] => Node::Text(one.clone()),
            many => Node::Repeated(many.iter().map(|u| Node::Text(u.clone())).collect()),
        };
        let obj = Obj::new()
            .text("update_id", &self.update_id)
            .text("service_request_id", &self.service_request_id)
            .text("status", self.status.as_str())
            .date("updated_datetime", &self.updated_datetime)
            .text("description", &self.description)
            .node("media_url", media)
            .opt_text("external_status_code", self.external_status_code.as_deref())
            .opt_text("customer_reference", self.customer_reference.as_deref())
            .opt_text("fixmystreet_id", self.fixmystreet_id.as_deref());
        if self.extras.is_empty() {
            obj.build()
        } else {
            let extras = self.extras.iter().map(|(k, v)| (k.0.clone(), Node::Text(v.clone()))).collect();
            obj.node("extras", Node::Object(extras)).build()
        }
    }

    fn from_in(i: &In<'_>) -> Result<Self, DecodeError> {
        let status = i.text("status")?;
        let status = ExtendedStatus::parse(&status).ok_or_else(|| i.error(format!("unknown status “{status}”")))?;
        let mut extras = BTreeMap::new();
        if let Some(map) = i.field("extras") {
            for (k, v) in map.text_map()? {
                let key =
                    ExtraKey::parse(&k).ok_or_else(|| map.error(format!("extras key “{k}” is not a valid name")))?;
                extras.insert(key, v);
            }
        }
        Ok(ServiceRequestUpdate {
            update_id: i.text("update_id")?,
            service_request_id: i.text("service_request_id")?,
            status,
            updated_datetime: i.date("updated_datetime")?,
            description: i.opt_text("description")?.unwrap_or_default(),
            media_urls: i.repeated_text("media_url")?,
            external_status_code: i.opt_text("external_status_code")?,
            customer_reference: i.opt_text("customer_reference")?,
            fixmystreet_id: i.opt_text("fixmystreet_id")?,
            extras,
        })
    }
}

/// GET servicerequestupdates: `<service_request_updates><request_update>…` / a JSON array. FixMyStreet's
/// fixtures name the root `service_requests_updates`; that is read too.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceRequestUpdates(pub Vec<ServiceRequestUpdate>);

impl Shape for ServiceRequestUpdates {
    const ROOT: &'static str = "service_request_updates";
    const ROOT_ALIASES: &'static [&'static str] = &["service_requests_updates"];

    fn to_node(&self) -> Node {
        Node::List { item: "request_update", items: self.0.iter().map(ServiceRequestUpdate::to_node).collect() }
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        Ok(ServiceRequestUpdates(
            root.items("request_update")?.iter().map(ServiceRequestUpdate::from_in).collect::<Result<_, _>>()?,
        ))
    }
}

/// The answer to POST servicerequestupdates: the update's id on our side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateReceipt {
    /// Our id for the update.
    pub update_id: String,
    /// The account it was filed under.
    pub account_id: Option<String>,
}

/// The POST servicerequestupdates response: `<service_request_updates><request_update>…`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateReceipts(pub Vec<UpdateReceipt>);

impl Shape for UpdateReceipts {
    const ROOT: &'static str = "service_request_updates";
    const ROOT_ALIASES: &'static [&'static str] = &["service_requests_updates"];

    fn to_node(&self) -> Node {
        let items = self
            .0
            .iter()
            .map(|r| Obj::new().text("update_id", &r.update_id).opt_text("account_id", r.account_id.as_deref()).build())
            .collect();
        Node::List { item: "request_update", items }
    }

    fn from_in(root: &In<'_>) -> Result<Self, DecodeError> {
        let items = root
            .items("request_update")?
            .iter()
            .map(|r| Ok(UpdateReceipt { update_id: r.text("update_id")?, account_id: r.opt_text("account_id")? }))
            .collect::<Result<_, DecodeError>>()?;
        Ok(UpdateReceipts(items))
    }
}

document!(ServiceRequestUpdates, UpdateReceipts);

/// The GET servicerequestupdates query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatesQuery {
    /// The city, on multi-jurisdiction endpoints.
    pub jurisdiction_id: Option<String>,
    /// The client's key, if it sends one (FixMyStreet does).
    pub api_key: Option<String>,
    /// Earliest update, given together with `end_date`.
    pub start_date: Option<DateTime<FixedOffset>>,
    /// Latest update.
    pub end_date: Option<DateTime<FixedOffset>>,
}

impl UpdatesQuery {
    /// Reads the query: `start_date` and `end_date` both or neither (`parameter_required` names the missing one),
    /// well-formed (`datetime_invalid`), in order (`date_range_inverted`) and at most 90 days apart
    /// (`date_range_too_long`).
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, RequestError> {
        let params = Params::new(pairs);
        let start_date = params.datetime("start_date")?;
        let end_date = params.datetime("end_date")?;
        match (start_date, end_date) {
            (Some(_), None) => return Err(required("end_date")),
            (None, Some(_)) => return Err(required("start_date")),
            (Some(start), Some(end)) if start > end => {
                return Err(RequestError::bad(
                    "start_date",
                    "date_range_inverted",
                    "Parameter start_date must not be later than end_date.",
                    "Tham số start_date không được sau end_date.",
                ));
            }
            (Some(start), Some(end)) if end - start > TimeDelta::days(DEFAULT_WINDOW_DAYS) => {
                return Err(RequestError::bad(
                    "end_date",
                    "date_range_too_long",
                    format!("The window from start_date to end_date may be at most {DEFAULT_WINDOW_DAYS} days."),
                    format!("Khoảng từ start_date đến end_date tối đa {DEFAULT_WINDOW_DAYS} ngày."),
                ));
            }
            _ => {}
        }
        Ok(UpdatesQuery {
            jurisdiction_id: params.one("jurisdiction_id")?.map(str::to_owned),
            api_key: params.one("api_key")?.map(str::to_owned),
            start_date,
            end_date,
        })
    }

    /// The window of `updated_datetime` to return, both ends inclusive: as given, else the last
    /// [`DEFAULT_UPDATES_WINDOW_HOURS`] hours before `now`.
    pub fn window(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        match (self.start_date, self.end_date) {
            (Some(start), Some(end)) => (start.with_timezone(&Utc), end.with_timezone(&Utc)),
            _ => (now - TimeDelta::hours(DEFAULT_UPDATES_WINDOW_HOURS), now),
        }
    }
}

/// A citizen's update posted by FixMyStreet (POST servicerequestupdates), checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUpdate {
    /// The client's key (present; its validity is the caller's check).
    pub api_key: String,
    /// The city, on multi-jurisdiction endpoints.
    pub jurisdiction_id: Option<String>,
    /// Our request id.
    pub service_request_id: String,
    /// The client's id for the update.
    pub update_id: String,
    /// The status the citizen set (`OPEN` for a comment, `FIXED`, `CLOSED`, `REOPEN`…).
    pub status: ExtendedStatus,
    /// When the citizen wrote it.
    pub updated_datetime: DateTime<FixedOffset>,
    /// The text (required, may be empty).
    pub description: String,
    /// The citizen's email.
    pub email: Option<Email>,
    /// The citizen's phone.
    pub phone: Option<String>,
    /// First name (`-`, which FixMyStreet sends when it has none, reads as absent).
    pub first_name: Option<String>,
    /// Last name (`-` reads as absent).
    pub last_name: Option<String>,
    /// A title.
    pub title: Option<String>,
    /// Photos (`media_url` repeated, or `media_url[]`).
    pub media_urls: Vec<String>,
    /// The citizen's account.
    pub account_id: Option<String>,
    /// FixMyStreet's id of the report.
    pub service_request_id_ext: Option<String>,
    /// `TRUE` when the citizen's name must not be shown.
    pub public_anonymity_required: Option<bool>,
    /// `TRUE` when the citizen wants email alerts.
    pub email_alerts_requested: Option<bool>,
    /// The service code, when sent.
    pub service_code: Option<String>,
    /// `attribute[…]` extras.
    pub attributes: BTreeMap<String, AttributeInput>,
}

impl NewUpdate {
    /// Reads the decoded form. Errors: `api_key` missing (403); then 400 for a missing `service_request_id`,
    /// `update_id`, `status`, `updated_datetime` or `description` (`parameter_required`), an unknown status
    /// (`status_invalid`), a malformed date, email, URL or boolean, a description over 4000 characters and any
    /// single-valued parameter given twice.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, RequestError> {
        let params = Params::new(pairs);
        let api_key = api_key_of(pairs)?.to_owned();
        let service_request_id = params.required("service_request_id")?.to_owned();
        let update_id = params.required("update_id")?.to_owned();
        let status_text = params.required("status")?;
        let status = ExtendedStatus::parse(status_text).ok_or_else(|| {
            let known = ExtendedStatus::ALL.map(ExtendedStatus::as_upper).join(", ");
            RequestError::bad(
                "status",
                "status_invalid",
                format!("Parameter status must be one of {known}, not “{status_text}”."),
                format!("Tham số status phải là một trong {known}, không phải “{status_text}”."),
            )
        })?;
        let updated_datetime = parse_datetime("updated_datetime", params.required("updated_datetime")?)?;
        if !params.present("description") {
            return Err(required("description"));
        }
        let description = params.one("description")?.unwrap_or_default().to_owned();
        let chars = description.chars().count();
        if chars > DESCRIPTION_MAX_CHARS {
            return Err(RequestError::bad(
                "description",
                "parameter_too_long",
                format!(
                    "Parameter description may be at most {DESCRIPTION_MAX_CHARS} characters long; it has {chars}."
                ),
                format!("Tham số description dài tối đa {DESCRIPTION_MAX_CHARS} ký tự; đã gửi {chars} ký tự."),
            ));
        }
        let email = params
            .one("email")?
            .map(|e| {
                Email::parse(e).map_err(|err| {
                    RequestError::bad("email", "email_invalid", format!("Parameter email: {}", err.en), err.vi)
                })
            })
            .transpose()?;
        let name = |n: &'static str| -> Result<Option<String>, RequestError> {
            Ok(params.one(n)?.filter(|v| *v != "-").map(str::to_owned))
        };
        let text = |n: &'static str| -> Result<Option<String>, RequestError> { Ok(params.one(n)?.map(str::to_owned)) };
        Ok(NewUpdate {
            api_key,
            jurisdiction_id: text("jurisdiction_id")?,
            service_request_id,
            update_id,
            status,
            updated_datetime,
            description,
            email,
            phone: text("phone")?,
            first_name: name("first_name")?,
            last_name: name("last_name")?,
            title: text("title")?,
            media_urls: media_urls(&params)?,
            account_id: text("account_id")?,
            service_request_id_ext: text("service_request_id_ext")?,
            public_anonymity_required: params.boolean("public_anonymity_required")?,
            email_alerts_requested: params.boolean("email_alerts_requested")?,
            service_code: text("service_code")?,
            attributes: attributes(&params)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open311::{Document, Format, parse_urlencoded};

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn update(media: &[&str]) -> ServiceRequestUpdate {
        ServiceRequestUpdate {
            update_id: "U-1".into(),
            service_request_id: "000123".into(),
            status: ExtendedStatus::ActionScheduled,
            updated_datetime: at("2026-11-28T10:15:00+07:00"),
            description: "Đã gia hạn: chờ vật tư & nhân lực".into(),
            media_urls: media.iter().map(|m| (*m).to_owned()).collect(),
            external_status_code: None,
            customer_reference: None,
            fixmystreet_id: None,
            extras: BTreeMap::new(),
        }
    }

    #[test]
    fn golden_updates() {
        let mut rich = update(&["https://x/1.jpg"]);
        rich.external_status_code = Some("GIA_HAN".into());
        rich.customer_reference = Some("PA-2026-000123".into());
        rich.fixmystreet_id = Some("987".into());
        rich.extras.insert(ExtraKey::parse("assigned_unit").expect("key"), "UBND phường Phú Xuân".into());
        let list = ServiceRequestUpdates(vec![update(&[]), rich]);
        assert_eq!(
            list.to_xml(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><service_request_updates>"#,
                "<request_update><update_id>U-1</update_id><service_request_id>000123</service_request_id>",
                "<status>action_scheduled</status><updated_datetime>2026-11-28T10:15:00+07:00</updated_datetime>",
                "<description>Đã gia hạn: chờ vật tư &amp; nhân lực</description><media_url></media_url></request_update>",
                "<request_update><update_id>U-1</update_id><service_request_id>000123</service_request_id>",
                "<status>action_scheduled</status><updated_datetime>2026-11-28T10:15:00+07:00</updated_datetime>",
                "<description>Đã gia hạn: chờ vật tư &amp; nhân lực</description><media_url>https://x/1.jpg</media_url>",
                "<external_status_code>GIA_HAN</external_status_code><customer_reference>PA-2026-000123</customer_reference>",
                "<fixmystreet_id>987</fixmystreet_id><extras><assigned_unit>UBND phường Phú Xuân</assigned_unit></extras>",
                "</request_update></service_request_updates>"
            )
        );
        assert_eq!(
            list.to_json(),
            concat!(
                r#"[{"update_id":"U-1","service_request_id":"000123","status":"action_scheduled","#,
                r#""updated_datetime":"2026-11-28T10:15:00+07:00","description":"Đã gia hạn: chờ vật tư & nhân lực","media_url":""},"#,
                r#"{"update_id":"U-1","service_request_id":"000123","status":"action_scheduled","#,
                r#""updated_datetime":"2026-11-28T10:15:00+07:00","description":"Đã gia hạn: chờ vật tư & nhân lực","#,
                r#""media_url":"https://x/1.jpg","external_status_code":"GIA_HAN","customer_reference":"PA-2026-000123","#,
                r#""fixmystreet_id":"987","extras":{"assigned_unit":"UBND phường Phú Xuân"}}]"#
            )
        );
        let several = ServiceRequestUpdates(vec![update(&["https://x/1.jpg", "https://x/2.jpg"])]);
        assert!(
            several.to_xml().contains("<media_url>https://x/1.jpg</media_url><media_url>https://x/2.jpg</media_url>")
        );
        assert!(several.to_json().contains(r#""media_url":["https://x/1.jpg","https://x/2.jpg"]"#));
        let empty_description =
            ServiceRequestUpdates(vec![ServiceRequestUpdate { description: String::new(), ..update(&[]) }]);
        assert!(empty_description.to_xml().contains("<description></description>"));
        assert!(empty_description.to_json().contains(r#""description":"""#));
        for format in Format::ALL {
            for l in [&list, &several, &empty_description] {
                assert_eq!(
                    ServiceRequestUpdates::parse(format, &l.render(format)).ok().as_ref(),
                    Some(l),
                    "{format:?}"
                );
            }
        }
    }

    #[test]
    fn reads_fixmystreet_shapes() {
        // FixMyStreet's fixtures use the root service_requests_updates and upper-case statuses appear in the wild.
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests_updates><request_update>\
                   <update_id>638344</update_id><service_request_id>1</service_request_id><status>FIXED</status>\
                   <description>This is a note</description><updated_datetime>2026-11-27T10:00:00+00:00</updated_datetime>\
                   <media_url/></request_update></service_requests_updates>";
        let updates = ServiceRequestUpdates::from_xml(xml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(updates.0[0].status, ExtendedStatus::Fixed);
        assert!(updates.0[0].media_urls.is_empty());
        let bad_key = r#"[{"update_id":"1","service_request_id":"1","status":"open","updated_datetime":"2026-11-27T10:00:00Z","description":"","media_url":"","extras":{"1bad":"x"}}]"#;
        assert!(ServiceRequestUpdates::from_json(bad_key).expect_err("key").message.contains("1bad"));
        let bad_status = bad_key.replace(r#""status":"open""#, r#""status":"resolved""#).replace("1bad", "ok");
        assert!(ServiceRequestUpdates::from_json(&bad_status).expect_err("status").message.contains("resolved"));
    }

    #[test]
    fn golden_receipts() {
        let receipts = UpdateReceipts(vec![UpdateReceipt { update_id: "U-9".into(), account_id: None }]);
        assert_eq!(
            receipts.to_xml(),
            r#"<?xml version="1.0" encoding="utf-8"?><service_request_updates><request_update><update_id>U-9</update_id></request_update></service_request_updates>"#
        );
        assert_eq!(receipts.to_json(), r#"[{"update_id":"U-9"}]"#);
        let with_account =
            UpdateReceipts(vec![UpdateReceipt { update_id: "U-9".into(), account_id: Some("7".into()) }]);
        assert_eq!(with_account.to_json(), r#"[{"update_id":"U-9","account_id":"7"}]"#);
        for format in Format::ALL {
            assert_eq!(UpdateReceipts::parse(format, &with_account.render(format)).ok(), Some(with_account.clone()));
        }
    }

    #[test]
    fn extended_statuses_parse_in_any_spelling() {
        for s in ExtendedStatus::ALL {
            assert_eq!(ExtendedStatus::parse(s.as_str()), Some(s));
            assert_eq!(ExtendedStatus::parse(&s.as_upper()), Some(s));
            assert_eq!(ExtendedStatus::parse(&s.as_str().replace('_', " ")), Some(s));
        }
        assert_eq!(ExtendedStatus::parse(" Action-Scheduled "), Some(ExtendedStatus::ActionScheduled));
        assert_eq!(
            ExtendedStatus::parse("NOT_COUNCILS_RESPONSIBILITY"),
            Some(ExtendedStatus::NotCouncilsResponsibility)
        );
        assert_eq!(ExtendedStatus::parse("resolved"), None);
        assert_eq!(ExtendedStatus::ALL.len(), 15);
    }

    #[test]
    fn mapping_to_and_from_report_statuses() {
        use ExtendedStatus as X;
        use ReportStatus as S;
        let forward = [
            (S::Submitted, X::Open),
            (S::Verified, X::Open),
            (S::Rejected(RejectReason::Invalid), X::NoFurtherAction),
            (S::Rejected(RejectReason::Duplicate), X::Duplicate),
            (S::Rejected(RejectReason::NotOurs), X::NotCouncilsResponsibility),
            (S::Assigned, X::Investigating),
            (S::InProgress, X::InProgress),
            (S::Extended, X::ActionScheduled),
            (S::Transferred, X::Investigating),
            (S::Answered, X::Closed),
            (S::Reopened, X::Open),
            (S::Closed, X::Closed),
        ];
        assert_eq!(forward.len(), S::ALL.len());
        for (report, extended) in forward {
            assert_eq!(X::from_report(report), extended, "{report}");
            // The extended status agrees with the plain GeoReport status of the report.
            assert_eq!(extended.request_status(), Some(RequestStatus::from_report(report)), "{report}");
        }
        let backward = [
            (X::Unchanged, None),
            (X::Open, Some(S::Verified)),
            (X::Closed, Some(S::Closed)),
            (X::Fixed, Some(S::Answered)),
            (X::InProgress, Some(S::InProgress)),
            (X::Planned, Some(S::InProgress)),
            (X::ActionScheduled, Some(S::InProgress)),
            (X::Investigating, Some(S::Assigned)),
            (X::Duplicate, Some(S::Rejected(RejectReason::Duplicate))),
            (X::NotCouncilsResponsibility, Some(S::Rejected(RejectReason::NotOurs))),
            (X::NoFurtherAction, Some(S::Answered)),
            (X::InternalReferral, Some(S::Transferred)),
            (X::Cancelled, Some(S::Rejected(RejectReason::Invalid))),
            (X::Reopen, Some(S::Reopened)),
            (X::ForTriage, Some(S::Submitted)),
        ];
        assert_eq!(backward.len(), X::ALL.len());
        for (extended, report) in backward {
            assert_eq!(extended.to_report(), report, "{extended:?}");
        }
        // Going out and back keeps a report open or closed.
        for report in S::ALL {
            let back = X::from_report(report).to_report().expect("a state");
            assert_eq!(back.is_open(), report.is_open(), "{report}");
        }
    }

    fn form(body: &str) -> Vec<(String, String)> {
        parse_urlencoded(body.as_bytes())
    }

    #[test]
    fn posted_update_is_read() {
        let body = "api_key=k&service_request_id=000123&update_id=FMS-55&status=REOPEN\
                    &updated_datetime=2026-11-28T08:00:00Z&description=V%E1%BA%ABn+c%C3%B2n+r%C3%A1c\
                    &email=a%40b.vn&first_name=-&last_name=Tr%E1%BA%A7n&title=Ch%C6%B0a+x%E1%BB%AD+l%C3%BD\
                    &media_url=https%3A%2F%2Fx%2F1.jpg&media_url=https%3A%2F%2Fx%2F2.jpg&account_id=9\
                    &service_request_id_ext=987&public_anonymity_required=TRUE&email_alerts_requested=FALSE\
                    &service_code=MT&attribute%5Bfixmystreet_id%5D=987";
        let u = NewUpdate::parse(&form(body)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (u.api_key.as_str(), u.service_request_id.as_str(), u.update_id.as_str()),
            ("k", "000123", "FMS-55")
        );
        assert_eq!(u.status, ExtendedStatus::Reopen);
        assert_eq!(u.updated_datetime, at("2026-11-28T08:00:00Z"));
        assert_eq!(u.description, "Vẫn còn rác");
        assert_eq!((u.first_name, u.last_name.as_deref()), (None, Some("Trần")));
        assert_eq!(u.media_urls.len(), 2);
        assert_eq!((u.public_anonymity_required, u.email_alerts_requested), (Some(true), Some(false)));
        assert_eq!(u.attributes.get("fixmystreet_id"), Some(&AttributeInput::Single("987".into())));
        let empty = NewUpdate::parse(&form(
            "api_key=k&service_request_id=1&update_id=2&status=OPEN&updated_datetime=2026-11-28T08:00:00Z&description=",
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(empty.description, "");
    }

    #[test]
    fn posted_update_errors() {
        let ok = "api_key=k&service_request_id=1&update_id=2&status=OPEN&updated_datetime=2026-11-28T08:00:00Z&description=x";
        let without =
            |p: &str| ok.split('&').filter(|kv| !kv.starts_with(&format!("{p}="))).collect::<Vec<_>>().join("&");
        let cases = [
            (without("api_key"), 403, "api_key", "api_key_missing"),
            (without("service_request_id"), 400, "service_request_id", "parameter_required"),
            (without("update_id"), 400, "update_id", "parameter_required"),
            (without("status"), 400, "status", "parameter_required"),
            (without("updated_datetime"), 400, "updated_datetime", "parameter_required"),
            (without("description"), 400, "description", "parameter_required"),
            (ok.replace("status=OPEN", "status=DONE"), 400, "status", "status_invalid"),
            (ok.replace("2026-11-28T08:00:00Z", "28/11/2026"), 400, "updated_datetime", "datetime_invalid"),
            (format!("{ok}&email=nope"), 400, "email", "email_invalid"),
            (format!("{ok}&media_url=file:///etc/passwd"), 400, "media_url", "media_url_invalid"),
            (format!("{ok}&public_anonymity_required=MAYBE"), 400, "public_anonymity_required", "boolean_invalid"),
            (
                ok.replace("description=x", &format!("description={}", "x".repeat(4001))),
                400,
                "description",
                "parameter_too_long",
            ),
            (format!("{ok}&update_id=3"), 400, "update_id", "parameter_repeated"),
        ];
        for (body, status, parameter, code) in cases {
            let e = NewUpdate::parse(&form(&body)).expect_err(&body);
            assert_eq!((e.status, e.parameter.as_str(), e.code), (status, parameter, code), "{body}");
        }
    }

    #[test]
    fn updates_query() {
        let q = |s: &str| UpdatesQuery::parse(&form(s));
        let now = at("2026-11-28T08:00:00Z").with_timezone(&Utc);
        let none = q("api_key=k&jurisdiction_id=hue.gov.vn").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((none.api_key.as_deref(), none.jurisdiction_id.as_deref()), (Some("k"), Some("hue.gov.vn")));
        assert_eq!(none.window(now), (now - TimeDelta::hours(2), now));
        let both = q("start_date=2026-11-28T06:00:00Z&end_date=2026-11-28T08:00:00Z").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(both.window(now), (now - TimeDelta::hours(2), now));
        let cases = [
            ("start_date=2026-11-28T06:00:00Z", "end_date", "parameter_required"),
            ("end_date=2026-11-28T06:00:00Z", "start_date", "parameter_required"),
            ("start_date=2026-11-28&end_date=2026-11-29", "start_date", "datetime_invalid"),
            ("start_date=2026-11-28T09:00:00Z&end_date=2026-11-28T08:00:00Z", "start_date", "date_range_inverted"),
            ("start_date=2026-01-01T00:00:00Z&end_date=2026-11-28T08:00:00Z", "end_date", "date_range_too_long"),
        ];
        for (query, parameter, code) in cases {
            let e = q(query).expect_err(query);
            assert_eq!((e.status, e.parameter.as_str(), e.code), (400, parameter, code), "{query}");
        }
    }
}

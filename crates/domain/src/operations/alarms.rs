//! Cảnh báo vận hành: the alarm model of the operations centre (IOC), after ThingsBoard's (`sensorthings-iot.md`
//! §3): a severity ladder, four statuses from acknowledged × cleared, at most one active alarm per originator and
//! type, and start / end / acknowledge / clear / assign timestamps.
//!
//! [`decide`] is the rule engine's step: given the active alarm of an (originator, type), if any, and the latest
//! evaluation of its condition, it says whether to create an alarm, change its severity, refresh it, clear it or do
//! nothing. Operators then [`acknowledge`], [`clear`] and [`assign`]. The store persists the results; nothing here
//! does IO.
//!
//! One deliberate difference from ThingsBoard: when a repeat raises the severity of an acknowledged alarm, the
//! alarm becomes unacknowledged again, so that an operator who acknowledged a minor flood alarm sees it turn
//! critical. Lowering the severity keeps the acknowledgement.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::validation::ValidationError;

/// Mức độ nghiêm trọng: the severity ladder, ordered so that `Critical > Major > Minor > Warning > Indeterminate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmSeverity {
    /// Không xác định: the severity cannot be told.
    Indeterminate,
    /// Cảnh báo: worth watching.
    Warning,
    /// Nhẹ.
    Minor,
    /// Nghiêm trọng.
    Major,
    /// Rất nghiêm trọng: act now.
    Critical,
}

impl AlarmSeverity {
    /// Every severity, most severe first (the order alarm queues sort by).
    pub const ALL: [AlarmSeverity; 5] = [
        AlarmSeverity::Critical,
        AlarmSeverity::Major,
        AlarmSeverity::Minor,
        AlarmSeverity::Warning,
        AlarmSeverity::Indeterminate,
    ];

    /// Stable snake_case code; the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmSeverity::Critical => "critical",
            AlarmSeverity::Major => "major",
            AlarmSeverity::Minor => "minor",
            AlarmSeverity::Warning => "warning",
            AlarmSeverity::Indeterminate => "indeterminate",
        }
    }

    /// Parses a code produced by [`Self::as_str`]; ThingsBoard's upper-case names ("CRITICAL") are accepted too.
    pub fn parse(s: &str) -> Result<AlarmSeverity, ValidationError> {
        let s = s.trim();
        Self::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s)).ok_or_else(|| {
            ValidationError::new(
                "severity",
                "severity_unknown",
                format!(
                    "Mức độ “{s}” không hợp lệ; các giá trị hợp lệ: critical, major, minor, warning, indeterminate."
                ),
                format!("Unknown severity “{s}”; valid values are: critical, major, minor, warning, indeterminate."),
            )
        })
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            AlarmSeverity::Critical => "Rất nghiêm trọng",
            AlarmSeverity::Major => "Nghiêm trọng",
            AlarmSeverity::Minor => "Nhẹ",
            AlarmSeverity::Warning => "Cảnh báo",
            AlarmSeverity::Indeterminate => "Không xác định",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            AlarmSeverity::Critical => "Critical",
            AlarmSeverity::Major => "Major",
            AlarmSeverity::Minor => "Minor",
            AlarmSeverity::Warning => "Warning",
            AlarmSeverity::Indeterminate => "Indeterminate",
        }
    }
}

/// Trạng thái cảnh báo: the four statuses, from whether the alarm is cleared and whether it is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmStatus {
    /// Đang diễn ra, chưa xác nhận.
    ActiveUnack,
    /// Đang diễn ra, đã xác nhận.
    ActiveAck,
    /// Đã kết thúc, chưa xác nhận.
    ClearedUnack,
    /// Đã kết thúc, đã xác nhận.
    ClearedAck,
}

impl AlarmStatus {
    /// Every status.
    pub const ALL: [AlarmStatus; 4] =
        [AlarmStatus::ActiveUnack, AlarmStatus::ActiveAck, AlarmStatus::ClearedUnack, AlarmStatus::ClearedAck];

    /// The status of an alarm with these flags.
    pub fn from_flags(acknowledged: bool, cleared: bool) -> AlarmStatus {
        match (cleared, acknowledged) {
            (false, false) => AlarmStatus::ActiveUnack,
            (false, true) => AlarmStatus::ActiveAck,
            (true, false) => AlarmStatus::ClearedUnack,
            (true, true) => AlarmStatus::ClearedAck,
        }
    }

    /// Not cleared yet.
    pub fn is_active(self) -> bool {
        matches!(self, AlarmStatus::ActiveUnack | AlarmStatus::ActiveAck)
    }

    /// Acknowledged by an operator.
    pub fn is_acknowledged(self) -> bool {
        matches!(self, AlarmStatus::ActiveAck | AlarmStatus::ClearedAck)
    }

    /// Stable snake_case code; the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmStatus::ActiveUnack => "active_unack",
            AlarmStatus::ActiveAck => "active_ack",
            AlarmStatus::ClearedUnack => "cleared_unack",
            AlarmStatus::ClearedAck => "cleared_ack",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            AlarmStatus::ActiveUnack => "Đang diễn ra, chưa xác nhận",
            AlarmStatus::ActiveAck => "Đang diễn ra, đã xác nhận",
            AlarmStatus::ClearedUnack => "Đã kết thúc, chưa xác nhận",
            AlarmStatus::ClearedAck => "Đã kết thúc, đã xác nhận",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            AlarmStatus::ActiveUnack => "Active, unacknowledged",
            AlarmStatus::ActiveAck => "Active, acknowledged",
            AlarmStatus::ClearedUnack => "Cleared, unacknowledged",
            AlarmStatus::ClearedAck => "Cleared, acknowledged",
        }
    }
}

/// Một cảnh báo: one alarm of an originator (a Thing, Datastream or gauge id) and a type (e.g. "flood_level").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// What raised it, e.g. `Datastreams(12)` or `tram-thuy-van-kim-long`.
    pub originator: String,
    /// The kind of alarm, e.g. `flood_level` or `aqi`; with the originator, the key of the active alarm.
    pub alarm_type: String,
    /// The current severity.
    pub severity: AlarmSeverity,
    /// An operator acknowledged it (since its last escalation).
    pub acknowledged: bool,
    /// It is over, by its condition or by an operator.
    pub cleared: bool,
    /// When the condition was first seen.
    pub start_ts: DateTime<Utc>,
    /// When the condition was last seen (a repeat moves it).
    pub end_ts: DateTime<Utc>,
    /// When it was acknowledged.
    pub ack_ts: Option<DateTime<Utc>>,
    /// When it was cleared.
    pub clear_ts: Option<DateTime<Utc>>,
    /// The operator it is assigned to.
    pub assignee: Option<String>,
    /// When it was last assigned or unassigned.
    pub assign_ts: Option<DateTime<Utc>>,
    /// What the rule saw, e.g. `{"water_level_m": 3.6, "level": "bd3"}`; replaced by each repeat.
    pub details: Value,
}

impl Alarm {
    /// The status from the two flags.
    pub fn status(&self) -> AlarmStatus {
        AlarmStatus::from_flags(self.acknowledged, self.cleared)
    }

    /// Not cleared yet: the one alarm of its (originator, type) that repeats update.
    pub fn is_active(&self) -> bool {
        !self.cleared
    }
}

/// The latest evaluation of an alarm rule for one originator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlarmCondition {
    /// The condition holds, at this severity.
    Raised {
        /// The severity the rule gives.
        severity: AlarmSeverity,
        /// When it was evaluated (the observation's time).
        at: DateTime<Utc>,
        /// What the rule saw.
        details: Value,
    },
    /// The condition no longer holds: the active alarm, if any, clears.
    Normal {
        /// When it was evaluated.
        at: DateTime<Utc>,
    },
}

impl AlarmCondition {
    /// When the condition was evaluated.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            AlarmCondition::Raised { at, .. } | AlarmCondition::Normal { at } => *at,
        }
    }
}

/// What to do after an evaluation; the alarm in each variant is the new state to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AlarmDecision {
    /// No active alarm and the condition holds: store this new alarm.
    Create {
        /// The new alarm.
        alarm: Alarm,
    },
    /// The active alarm repeats at another severity.
    UpdateSeverity {
        /// The updated alarm.
        alarm: Alarm,
        /// The severity it had.
        previous: AlarmSeverity,
    },
    /// The active alarm repeats at the same severity: its end time and details move.
    Refresh {
        /// The updated alarm.
        alarm: Alarm,
    },
    /// The condition is over: the active alarm clears.
    Clear {
        /// The cleared alarm.
        alarm: Alarm,
    },
    /// Nothing to store: no alarm and nothing wrong, or an evaluation older than what the alarm already saw
    /// (late data does not rewrite an alarm).
    Nothing,
}

/// Decides what an evaluation of the rule for (`originator`, `alarm_type`) does to its active alarm (ThingsBoard's
/// "create or update active alarm" / "clear alarm" steps).
///
/// - no active alarm: `Raised` creates one (unacknowledged, start = end = the evaluation time); `Normal` does
///   nothing;
/// - an active alarm: `Raised` refreshes it (end time, details) and changes its severity if needed (escalation
///   removes the acknowledgement, see the module note); `Normal` clears it;
/// - an evaluation older than the alarm's end time is ignored.
///
/// `active` is what the store holds for the key; a cleared alarm passed here counts as none. Fails when `active`
/// belongs to another originator or type.
pub fn decide(
    active: Option<&Alarm>,
    originator: &str,
    alarm_type: &str,
    condition: AlarmCondition,
) -> Result<AlarmDecision, ValidationError> {
    let active = active.filter(|a| a.is_active());
    if let Some(a) = active
        && (a.originator != originator || a.alarm_type != alarm_type)
    {
        return Err(ValidationError::new(
            "alarm",
            "alarm_key_mismatch",
            format!(
                "Cảnh báo đang diễn ra thuộc “{}”/“{}”, không phải “{originator}”/“{alarm_type}”.",
                a.originator, a.alarm_type
            ),
            format!(
                "The active alarm belongs to “{}”/“{}”, not “{originator}”/“{alarm_type}”.",
                a.originator, a.alarm_type
            ),
        ));
    }
    if let Some(a) = active
        && condition.at() < a.end_ts
    {
        return Ok(AlarmDecision::Nothing);
    }
    Ok(match (active, condition) {
        (None, AlarmCondition::Normal { .. }) => AlarmDecision::Nothing,
        (None, AlarmCondition::Raised { severity, at, details }) => AlarmDecision::Create {
            alarm: Alarm {
                originator: originator.to_owned(),
                alarm_type: alarm_type.to_owned(),
                severity,
                acknowledged: false,
                cleared: false,
                start_ts: at,
                end_ts: at,
                ack_ts: None,
                clear_ts: None,
                assignee: None,
                assign_ts: None,
                details,
            },
        },
        (Some(a), AlarmCondition::Raised { severity, at, details }) => {
            let mut alarm = a.clone();
            alarm.end_ts = at;
            alarm.details = details;
            if severity == a.severity {
                AlarmDecision::Refresh { alarm }
            } else {
                if severity > a.severity {
                    alarm.acknowledged = false;
                    alarm.ack_ts = None;
                }
                alarm.severity = severity;
                AlarmDecision::UpdateSeverity { alarm, previous: a.severity }
            }
        }
        (Some(a), AlarmCondition::Normal { at }) => {
            let mut alarm = a.clone();
            alarm.cleared = true;
            alarm.clear_ts = Some(at);
            AlarmDecision::Clear { alarm }
        }
    })
}

fn check_not_before_start(alarm: &Alarm, at: DateTime<Utc>) -> Result<(), ValidationError> {
    if at < alarm.start_ts {
        return Err(ValidationError::new(
            "at",
            "alarm_time_before_start",
            "Thời điểm thao tác không thể trước thời điểm bắt đầu cảnh báo.",
            "The time of the action cannot be before the alarm started.",
        ));
    }
    Ok(())
}

/// Xác nhận: an operator acknowledges the alarm at `at` (active or cleared). Fails when it is already acknowledged
/// or `at` is before the alarm started.
pub fn acknowledge(alarm: &Alarm, at: DateTime<Utc>) -> Result<Alarm, ValidationError> {
    check_not_before_start(alarm, at)?;
    if alarm.acknowledged {
        return Err(ValidationError::new(
            "alarm",
            "alarm_already_acknowledged",
            "Cảnh báo này đã được xác nhận.",
            "This alarm is already acknowledged.",
        ));
    }
    Ok(Alarm { acknowledged: true, ack_ts: Some(at), ..alarm.clone() })
}

/// Kết thúc: an operator clears the alarm at `at` by hand. A later `Raised` evaluation then creates a new alarm.
/// Fails when it is already cleared or `at` is before the alarm started.
pub fn clear(alarm: &Alarm, at: DateTime<Utc>) -> Result<Alarm, ValidationError> {
    check_not_before_start(alarm, at)?;
    if alarm.cleared {
        return Err(ValidationError::new(
            "alarm",
            "alarm_already_cleared",
            "Cảnh báo này đã kết thúc.",
            "This alarm is already cleared.",
        ));
    }
    Ok(Alarm { cleared: true, clear_ts: Some(at), ..alarm.clone() })
}

/// Giao xử lý: assigns the alarm to an operator (`Some`) or removes the assignee (`None`) at `at`. Fails when `at`
/// is before the alarm started or the assignee is blank.
pub fn assign(alarm: &Alarm, assignee: Option<&str>, at: DateTime<Utc>) -> Result<Alarm, ValidationError> {
    check_not_before_start(alarm, at)?;
    let assignee = match assignee.map(str::trim) {
        Some("") => {
            return Err(ValidationError::new(
                "assignee",
                "alarm_assignee_blank",
                "Người được giao không được để trống.",
                "The assignee cannot be blank.",
            ));
        }
        other => other.map(str::to_owned),
    };
    Ok(Alarm { assignee, assign_ts: Some(at), ..alarm.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use proptest::prelude::*;
    use serde_json::json;

    use AlarmSeverity::*;

    fn t(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap() + TimeDelta::minutes(minutes)
    }

    fn raised(severity: AlarmSeverity, minutes: i64) -> AlarmCondition {
        AlarmCondition::Raised { severity, at: t(minutes), details: json!({ "m": minutes }) }
    }

    fn normal(minutes: i64) -> AlarmCondition {
        AlarmCondition::Normal { at: t(minutes) }
    }

    const ORIGIN: &str = "tram-thuy-van-kim-long";
    const KIND: &str = "flood_level";

    fn stored(decision: AlarmDecision) -> Alarm {
        match decision {
            AlarmDecision::Create { alarm }
            | AlarmDecision::UpdateSeverity { alarm, .. }
            | AlarmDecision::Refresh { alarm }
            | AlarmDecision::Clear { alarm } => alarm,
            AlarmDecision::Nothing => panic!("expected an alarm"),
        }
    }

    fn created(severity: AlarmSeverity, minutes: i64) -> Alarm {
        stored(decide(None, ORIGIN, KIND, raised(severity, minutes)).unwrap())
    }

    #[test]
    fn severity_ladder_and_statuses() {
        assert!(Critical > Major && Major > Minor && Minor > Warning && Warning > Indeterminate);
        let mut sorted = AlarmSeverity::ALL.to_vec();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(sorted, AlarmSeverity::ALL);
        assert_eq!(AlarmSeverity::parse("CRITICAL").unwrap(), Critical);
        assert_eq!(AlarmSeverity::parse(" minor ").unwrap(), Minor);
        assert_eq!(AlarmSeverity::parse("urgent").unwrap_err().code, "severity_unknown");
        let table = [
            (false, false, AlarmStatus::ActiveUnack, "active_unack"),
            (true, false, AlarmStatus::ActiveAck, "active_ack"),
            (false, true, AlarmStatus::ClearedUnack, "cleared_unack"),
            (true, true, AlarmStatus::ClearedAck, "cleared_ack"),
        ];
        for (ack, cleared, status, code) in table {
            let s = AlarmStatus::from_flags(ack, cleared);
            assert_eq!(s, status);
            assert_eq!((s.is_active(), s.is_acknowledged()), (!cleared, ack));
            assert_eq!(serde_json::to_value(s).unwrap(), code);
            assert!(!s.label_vi().is_empty() && !s.label_en().is_empty());
        }
        for s in AlarmSeverity::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert!(!s.label_vi().is_empty() && !s.label_en().is_empty());
        }
    }

    /// (case, active alarm before, evaluation, expected action, severity after, acknowledged after).
    type DecisionCase<'a> = (&'a str, Option<&'a Alarm>, AlarmCondition, &'a str, Option<AlarmSeverity>, Option<bool>);

    #[test]
    fn decisions_table() {
        let active_minor = created(Minor, 0);
        let acked_minor = acknowledge(&active_minor, t(5)).unwrap();
        let acked_major = acknowledge(&created(Major, 0), t(5)).unwrap();
        let cleared = clear(&active_minor, t(10)).unwrap();
        let table: [DecisionCase; 9] = [
            ("no alarm, raised", None, raised(Minor, 0), "create", Some(Minor), Some(false)),
            ("no alarm, normal", None, normal(0), "nothing", None, None),
            ("same severity", Some(&active_minor), raised(Minor, 30), "refresh", Some(Minor), Some(false)),
            ("escalation", Some(&active_minor), raised(Critical, 30), "update_severity", Some(Critical), Some(false)),
            ("escalation unacks", Some(&acked_minor), raised(Major, 30), "update_severity", Some(Major), Some(false)),
            (
                "de-escalation keeps ack",
                Some(&acked_major),
                raised(Warning, 30),
                "update_severity",
                Some(Warning),
                Some(true),
            ),
            ("normal clears", Some(&acked_minor), normal(30), "clear", Some(Minor), Some(true)),
            ("stale evaluation", Some(&active_minor), raised(Critical, -5), "nothing", None, None),
            ("cleared alarm counts as none", Some(&cleared), raised(Major, 30), "create", Some(Major), Some(false)),
        ];
        for (name, before, condition, action, severity, acked) in table {
            let d = decide(before, ORIGIN, KIND, condition).unwrap();
            let json = serde_json::to_value(&d).unwrap();
            assert_eq!(json["action"], action, "{name}");
            if let Some(sev) = severity {
                let a = stored(d);
                assert_eq!(a.severity, sev, "{name}");
                assert_eq!(Some(a.acknowledged), acked, "{name}");
            }
        }
    }

    #[test]
    fn timestamps_follow_the_life_cycle() {
        let a = created(Major, 0);
        assert_eq!((a.start_ts, a.end_ts, a.status()), (t(0), t(0), AlarmStatus::ActiveUnack));
        let a = stored(decide(Some(&a), ORIGIN, KIND, raised(Major, 15)).unwrap());
        assert_eq!((a.start_ts, a.end_ts), (t(0), t(15)));
        assert_eq!(a.details, json!({ "m": 15 }));
        let a = acknowledge(&a, t(20)).unwrap();
        assert_eq!((a.ack_ts, a.status()), (Some(t(20)), AlarmStatus::ActiveAck));
        let a = assign(&a, Some("op.hue"), t(21)).unwrap();
        assert_eq!((a.assignee.as_deref(), a.assign_ts), (Some("op.hue"), Some(t(21))));
        let d = decide(Some(&a), ORIGIN, KIND, normal(40)).unwrap();
        let a = stored(d);
        assert_eq!((a.clear_ts, a.status(), a.end_ts), (Some(t(40)), AlarmStatus::ClearedAck, t(15)));
        // A new raise after the clear starts a new alarm.
        let next = stored(decide(Some(&a), ORIGIN, KIND, raised(Minor, 60)).unwrap());
        assert_eq!((next.start_ts, next.status()), (t(60), AlarmStatus::ActiveUnack));
    }

    #[test]
    fn operator_actions_reject_repeats_and_bad_times() {
        let a = created(Minor, 10);
        let acked = acknowledge(&a, t(11)).unwrap();
        assert_eq!(acknowledge(&acked, t(12)).unwrap_err().code, "alarm_already_acknowledged");
        assert_eq!(acknowledge(&a, t(9)).unwrap_err().code, "alarm_time_before_start");
        let cleared = clear(&a, t(11)).unwrap();
        assert_eq!(cleared.status(), AlarmStatus::ClearedUnack);
        assert_eq!(clear(&cleared, t(12)).unwrap_err().code, "alarm_already_cleared");
        // A cleared alarm can still be acknowledged.
        assert_eq!(acknowledge(&cleared, t(13)).unwrap().status(), AlarmStatus::ClearedAck);
        assert_eq!(assign(&a, Some("  "), t(11)).unwrap_err().code, "alarm_assignee_blank");
        let unassigned = assign(&assign(&a, Some("op"), t(11)).unwrap(), None, t(12)).unwrap();
        assert_eq!((unassigned.assignee, unassigned.assign_ts), (None, Some(t(12))));
    }

    #[test]
    fn rejects_an_alarm_of_another_key() {
        let a = created(Minor, 0);
        let e = decide(Some(&a), "Datastreams(7)", KIND, normal(5)).unwrap_err();
        assert_eq!(e.code, "alarm_key_mismatch");
        assert!(decide(Some(&a), ORIGIN, "aqi", normal(5)).is_err());
    }

    #[derive(Debug, Clone)]
    enum Step {
        Eval(Option<AlarmSeverity>, i64),
        Ack(i64),
        Clear(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        let severity = proptest::sample::select(AlarmSeverity::ALL.to_vec());
        prop_oneof![
            (proptest::option::of(severity), -10i64..200).prop_map(|(s, m)| Step::Eval(s, m)),
            (0i64..200).prop_map(Step::Ack),
            (0i64..200).prop_map(Step::Clear),
        ]
    }

    proptest! {
        /// Replays random evaluations and operator actions against a store of one key's alarms: there is never more
        /// than one active alarm, and every stored alarm's fields agree with its status.
        #[test]
        fn one_active_alarm_per_key_and_consistent_fields(steps in proptest::collection::vec(step(), 0..60)) {
            let mut alarms: Vec<Alarm> = Vec::new();
            for s in steps {
                let active_idx = alarms.iter().position(Alarm::is_active);
                match s {
                    Step::Eval(severity, m) => {
                        let condition = match severity {
                            Some(severity) => AlarmCondition::Raised { severity, at: t(m), details: Value::Null },
                            None => AlarmCondition::Normal { at: t(m) },
                        };
                        let d = decide(active_idx.map(|i| &alarms[i]), ORIGIN, KIND, condition.clone()).unwrap();
                        match d {
                            AlarmDecision::Create { alarm } => {
                                prop_assert!(active_idx.is_none());
                                alarms.push(alarm);
                            }
                            AlarmDecision::UpdateSeverity { alarm, previous } => {
                                let i = active_idx.unwrap();
                                prop_assert_eq!(previous, alarms[i].severity);
                                prop_assert_ne!(previous, alarm.severity);
                                if alarm.severity > previous {
                                    prop_assert!(!alarm.acknowledged);
                                }
                                alarms[i] = alarm;
                            }
                            AlarmDecision::Refresh { alarm } | AlarmDecision::Clear { alarm } => {
                                alarms[active_idx.unwrap()] = alarm;
                            }
                            AlarmDecision::Nothing => {
                                if let Some(i) = active_idx {
                                    prop_assert!(condition.at() < alarms[i].end_ts);
                                }
                            }
                        }
                    }
                    Step::Ack(m) => {
                        if let Some(last) = alarms.last_mut()
                            && let Ok(a) = acknowledge(last, t(m))
                        {
                            *last = a;
                        }
                    }
                    Step::Clear(m) => {
                        if let Some(i) = active_idx
                            && let Ok(a) = clear(&alarms[i], t(m))
                        {
                            alarms[i] = a;
                        }
                    }
                }
                prop_assert!(alarms.iter().filter(|a| a.is_active()).count() <= 1);
                for a in &alarms {
                    prop_assert!(a.end_ts >= a.start_ts);
                    prop_assert_eq!(a.ack_ts.is_some(), a.acknowledged);
                    prop_assert_eq!(a.clear_ts.is_some(), a.cleared);
                    prop_assert_eq!(a.status().is_active(), a.is_active());
                }
            }
        }
    }
}

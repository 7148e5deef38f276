//! Quy tắc cảnh báo: the rules that turn readings into alarms, as administrators edit them.
//!
//! Three kinds of rule (`sensorthings-iot.md` §3, ThingsBoard's "alarm rules" reduced to what the city uses):
//! - [`RuleCondition::Threshold`]: a ladder of thresholds on the numeric readings of every Datastream of an
//!   ObservedProperty (e.g. "Bụi PM2.5") or of one Datastream, each step with its severity;
//! - [`RuleCondition::RiverLevel`]: the water level against each gauge's own BĐ1–BĐ3 (QĐ 05/2020/QĐ-TTg, levels
//!   editable per gauge), each level with its severity;
//! - [`RuleCondition::Silence`]: a device with no Observation for N minutes.
//!
//! A rule's `code` is also the type of the alarms it raises (one active alarm per originator and type, see
//! `operations::alarms`). Hysteresis: a raised alarm keeps its severity until the value falls below the step's
//! threshold by the rule's clear margin, so a value hovering at a threshold does not raise and clear the alarm on
//! every reading. [`default_rules`] are what the platform did before rules were editable: floods at BĐ1 minor,
//! BĐ2 major, BĐ3 critical; a device silent for an hour a warning; a PM2.5 ladder shipped disabled.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::flood::{AlarmLevels, FloodLevel};
use crate::operations::alarms::{AlarmCondition, AlarmSeverity};
use crate::validation::ValidationError;

/// The code (and alarm type) of the flood-level rule.
pub const FLOOD_RULE: &str = "flood_level";
/// The code (and alarm type) of the silent-device rule.
pub const SILENT_RULE: &str = "device_silent";
/// The code of the PM2.5 rule shipped disabled.
pub const PM25_RULE: &str = "pm25_high";

/// Most steps in a threshold ladder (one per severity above indeterminate).
pub const MAX_STEPS: usize = 4;
/// Longest silence a rule may wait for: a week.
pub const MAX_SILENCE_MINUTES: i64 = 7 * 24 * 60;

/// Một quy tắc cảnh báo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmRule {
    /// Stable key, 2–40 of `a-z 0-9 _`, starting with a letter; the type of the alarms it raises.
    pub code: String,
    /// What operators call it, e.g. "Bụi PM2.5 cao".
    pub name: String,
    /// A disabled rule raises nothing (its alarms already raised stay until cleared).
    pub enabled: bool,
    /// Clear the alarm by itself when the condition ends; otherwise only an operator clears it.
    pub auto_clear: bool,
    /// When it raises an alarm.
    pub condition: RuleCondition,
}

/// When a rule raises an alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleCondition {
    /// Ngưỡng: a reading at or above a step's threshold raises the step's severity.
    Threshold {
        /// Which Datastreams it watches.
        scope: RuleScope,
        /// Thresholds, lowest first, with non-decreasing severities.
        steps: Vec<ThresholdStep>,
        /// Hysteresis, in the reading's unit: how far below a step's threshold a value must fall to leave it.
        clear_margin: f64,
    },
    /// Mực nước báo động: the reading against the gauge's BĐ levels (the Datastream's `properties.gauge`).
    RiverLevel {
        /// Severity at BĐ1.
        bd1: AlarmSeverity,
        /// Severity at BĐ2.
        bd2: AlarmSeverity,
        /// Severity at BĐ3 and above.
        bd3: AlarmSeverity,
        /// Hysteresis in metres.
        clear_margin_m: f64,
    },
    /// Mất tín hiệu: no Observation from a device for `minutes`.
    Silence {
        /// Minutes without an Observation.
        minutes: i64,
        /// Severity of the alarm.
        severity: AlarmSeverity,
    },
}

/// Which Datastreams a threshold rule watches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RuleScope {
    /// Every Datastream of the ObservedProperty with this name or definition (compared without case).
    ObservedProperty {
        /// The ObservedProperty's name or definition.
        name: String,
    },
    /// One Datastream.
    Datastream {
        /// Its `@iot.id`.
        id: i64,
    },
}

/// One step of a threshold ladder.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdStep {
    /// A reading at or above this raises the step.
    pub at_least: f64,
    /// The alarm's severity at this step.
    pub severity: AlarmSeverity,
}

/// What a Datastream is, as the rules match it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamFacts {
    /// `@iot.id`.
    pub id: i64,
    /// The ObservedProperty's name.
    pub observed_property: String,
    /// The ObservedProperty's definition.
    pub definition: String,
    /// `properties.gauge`, for river gauges.
    pub gauge: Option<String>,
}

fn invalid(field: &'static str, code: &'static str, vi: String, en: String) -> ValidationError {
    ValidationError::new(field, code, vi, en)
}

fn check_number(field: &'static str, v: f64, label_vi: &str, label_en: &str) -> Result<(), ValidationError> {
    if !v.is_finite() || v.abs() > 1e12 {
        return Err(invalid(
            field,
            "alarm_rule_number_invalid",
            format!("{label_vi} phải là một số hữu hạn."),
            format!("{label_en} must be a finite number."),
        ));
    }
    Ok(())
}

fn check_margin(field: &'static str, v: f64) -> Result<(), ValidationError> {
    check_number(field, v, "Biên xóa cảnh báo", "The clear margin")?;
    if v < 0.0 {
        return Err(invalid(
            field,
            "alarm_rule_margin_negative",
            "Biên xóa cảnh báo không được âm.".into(),
            "The clear margin cannot be negative.".into(),
        ));
    }
    Ok(())
}

impl AlarmRule {
    /// Checks and normalises a rule as an administrator sent it: the code's form, a name of 1–120 characters
    /// (NFC, one line), a ladder of 1–4 steps with rising thresholds and non-decreasing severities, margins ≥ 0,
    /// a silence of 1 minute to a week, severities above indeterminate.
    pub fn validate(mut self) -> Result<AlarmRule, ValidationError> {
        let code = self.code.trim();
        let mut chars = code.chars();
        let good = (2..=40).contains(&code.len())
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !good {
            return Err(invalid(
                "code",
                "alarm_rule_code_invalid",
                format!("Mã quy tắc “{code}” không hợp lệ: 2–40 ký tự a-z, 0-9, _ và bắt đầu bằng chữ."),
                format!("The rule code “{code}” is invalid: 2–40 of a-z, 0-9, _ starting with a letter."),
            ));
        }
        self.code = code.to_owned();
        self.name = crate::text::clean_line(&self.name);
        if self.name.is_empty() || self.name.chars().count() > 120 {
            return Err(invalid(
                "name",
                "alarm_rule_name_invalid",
                "Tên quy tắc phải có từ 1 đến 120 ký tự.".into(),
                "The rule name must have 1 to 120 characters.".into(),
            ));
        }
        let severity_ok = |field: &'static str, s: AlarmSeverity| {
            if s == AlarmSeverity::Indeterminate {
                Err(invalid(
                    field,
                    "alarm_rule_severity_invalid",
                    "Mức độ của quy tắc phải là cảnh báo, nhẹ, nghiêm trọng hoặc rất nghiêm trọng.".into(),
                    "A rule's severity must be warning, minor, major or critical.".into(),
                ))
            } else {
                Ok(())
            }
        };
        match &mut self.condition {
            RuleCondition::Threshold { scope, steps, clear_margin } => {
                match scope {
                    RuleScope::ObservedProperty { name } => {
                        *name = crate::text::clean_line(name);
                        if name.is_empty() || name.chars().count() > 200 {
                            return Err(invalid(
                                "observed_property",
                                "alarm_rule_scope_invalid",
                                "Hãy nêu tên đại lượng đo (ObservedProperty), tối đa 200 ký tự.".into(),
                                "Name the observed property, at most 200 characters.".into(),
                            ));
                        }
                    }
                    RuleScope::Datastream { id } if *id <= 0 => {
                        return Err(invalid(
                            "datastream",
                            "alarm_rule_scope_invalid",
                            "Mã Datastream phải là số nguyên dương.".into(),
                            "The Datastream id must be a positive integer.".into(),
                        ));
                    }
                    RuleScope::Datastream { .. } => {}
                }
                if steps.is_empty() || steps.len() > MAX_STEPS {
                    return Err(invalid(
                        "steps",
                        "alarm_rule_steps_count",
                        format!("Quy tắc ngưỡng cần từ 1 đến {MAX_STEPS} ngưỡng."),
                        format!("A threshold rule needs 1 to {MAX_STEPS} thresholds."),
                    ));
                }
                for s in steps.iter() {
                    check_number("steps", s.at_least, "Ngưỡng", "A threshold")?;
                    severity_ok("steps", s.severity)?;
                }
                for w in steps.windows(2) {
                    if w[1].at_least <= w[0].at_least || w[1].severity < w[0].severity {
                        return Err(invalid(
                            "steps",
                            "alarm_rule_steps_order",
                            "Ngưỡng phải tăng dần và mức độ không được giảm khi ngưỡng tăng.".into(),
                            "Thresholds must rise, and the severity may not fall as the threshold rises.".into(),
                        ));
                    }
                }
                check_margin("clear_margin", *clear_margin)?;
            }
            RuleCondition::RiverLevel { bd1, bd2, bd3, clear_margin_m } => {
                for s in [*bd1, *bd2, *bd3] {
                    severity_ok("severity", s)?;
                }
                if bd2 < bd1 || bd3 < bd2 {
                    return Err(invalid(
                        "severity",
                        "alarm_rule_steps_order",
                        "Mức độ ở BĐ2 không được thấp hơn BĐ1, ở BĐ3 không thấp hơn BĐ2.".into(),
                        "The severity at BĐ2 may not be below BĐ1's, nor BĐ3's below BĐ2's.".into(),
                    ));
                }
                check_margin("clear_margin", *clear_margin_m)?;
            }
            RuleCondition::Silence { minutes, severity } => {
                severity_ok("severity", *severity)?;
                if !(1..=MAX_SILENCE_MINUTES).contains(minutes) {
                    return Err(invalid(
                        "minutes",
                        "alarm_rule_minutes_invalid",
                        format!("Thời gian mất tín hiệu phải từ 1 đến {MAX_SILENCE_MINUTES} phút."),
                        format!("The silence must be 1 to {MAX_SILENCE_MINUTES} minutes."),
                    ));
                }
            }
        }
        Ok(self)
    }

    /// Whether this threshold rule watches the Datastream.
    pub fn watches(&self, stream: &StreamFacts) -> bool {
        match &self.condition {
            RuleCondition::Threshold { scope: RuleScope::Datastream { id }, .. } => *id == stream.id,
            RuleCondition::Threshold { scope: RuleScope::ObservedProperty { name }, .. } => {
                let name = name.to_lowercase();
                stream.observed_property.to_lowercase() == name || stream.definition.to_lowercase() == name
            }
            RuleCondition::RiverLevel { .. } => stream.gauge.is_some(),
            RuleCondition::Silence { .. } => false,
        }
    }
}

/// The rules the platform starts with: today's behaviour (floods, silent devices) and a PM2.5 ladder at the
/// VN_AQI band edges of QĐ 1459/QĐ-TCMT (50 / 80 / 150 / 250 µg/m³ for 24 h), shipped disabled.
pub fn default_rules() -> Vec<AlarmRule> {
    vec![
        AlarmRule {
            code: FLOOD_RULE.into(),
            name: "Mực nước lũ theo cấp báo động".into(),
            enabled: true,
            auto_clear: true,
            condition: RuleCondition::RiverLevel {
                bd1: AlarmSeverity::Minor,
                bd2: AlarmSeverity::Major,
                bd3: AlarmSeverity::Critical,
                clear_margin_m: 0.0,
            },
        },
        AlarmRule {
            code: SILENT_RULE.into(),
            name: "Thiết bị mất kết nối".into(),
            enabled: true,
            auto_clear: true,
            condition: RuleCondition::Silence { minutes: 60, severity: AlarmSeverity::Warning },
        },
        AlarmRule {
            code: PM25_RULE.into(),
            name: "Bụi PM2.5 cao".into(),
            enabled: false,
            auto_clear: true,
            condition: RuleCondition::Threshold {
                scope: RuleScope::ObservedProperty { name: "Bụi PM2.5".into() },
                steps: vec![
                    ThresholdStep { at_least: 50.0, severity: AlarmSeverity::Warning },
                    ThresholdStep { at_least: 80.0, severity: AlarmSeverity::Minor },
                    ThresholdStep { at_least: 150.0, severity: AlarmSeverity::Major },
                    ThresholdStep { at_least: 250.0, severity: AlarmSeverity::Critical },
                ],
                clear_margin: 5.0,
            },
        },
    ]
}

/// The rules in force: the stored ones, and the defaults nobody has edited yet (in the defaults' order, then the
/// others by code).
pub fn effective_rules(stored: Vec<AlarmRule>) -> Vec<AlarmRule> {
    let mut out: Vec<AlarmRule> =
        default_rules().into_iter().map(|d| stored.iter().find(|s| s.code == d.code).cloned().unwrap_or(d)).collect();
    let mut others: Vec<AlarmRule> = stored.into_iter().filter(|s| !out.iter().any(|o| o.code == s.code)).collect();
    others.sort_by(|a, b| a.code.cmp(&b.code));
    out.extend(others);
    out
}

/// The severity a value stands at on a ladder, given the severity of the alarm already raised (if any): the
/// highest step the value reaches, or, while an alarm is active, the highest step at or below its severity that
/// the value has not left by more than `margin`.
pub fn ladder_severity(
    steps: &[ThresholdStep],
    margin: f64,
    value: f64,
    active: Option<AlarmSeverity>,
) -> Option<AlarmSeverity> {
    let reached = steps.iter().filter(|s| value >= s.at_least).map(|s| s.severity).max();
    let held = active.and_then(|a| {
        steps.iter().filter(|s| s.severity <= a && value >= s.at_least - margin).map(|s| s.severity).max()
    });
    reached.max(held)
}

/// The ladder of a river rule over a gauge's levels.
pub fn river_ladder(bd: [AlarmSeverity; 3], levels: &AlarmLevels) -> [ThresholdStep; 3] {
    [
        ThresholdStep { at_least: levels.bd1(), severity: bd[0] },
        ThresholdStep { at_least: levels.bd2(), severity: bd[1] },
        ThresholdStep { at_least: levels.bd3(), severity: bd[2] },
    ]
}

fn outcome(
    rule: &AlarmRule,
    severity: Option<AlarmSeverity>,
    at: DateTime<Utc>,
    details: Value,
) -> Option<AlarmCondition> {
    match severity {
        Some(severity) => Some(AlarmCondition::Raised { severity, at, details }),
        None if rule.auto_clear => Some(AlarmCondition::Normal { at }),
        None => None,
    }
}

/// Evaluates a threshold or river rule on the newest numeric reading of a Datastream. `levels` are the gauge's
/// BĐ levels (river rules only); `active` is the severity of the rule's active alarm on this Datastream. `None`:
/// nothing to do (the rule is disabled or does not watch the stream, or the condition ended and the rule leaves
/// clearing to an operator).
pub fn evaluate_reading(
    rule: &AlarmRule,
    stream: &StreamFacts,
    levels: Option<&AlarmLevels>,
    value: f64,
    at: DateTime<Utc>,
    active: Option<AlarmSeverity>,
) -> Option<AlarmCondition> {
    if !rule.enabled || !rule.watches(stream) || !value.is_finite() {
        return None;
    }
    match &rule.condition {
        RuleCondition::Threshold { steps, clear_margin, .. } => {
            let severity = ladder_severity(steps, *clear_margin, value, active);
            let threshold = severity.and_then(|s| steps.iter().rev().find(|t| t.severity == s)).map(|t| t.at_least);
            outcome(rule, severity, at, json!({"rule": rule.code, "value": value, "threshold": threshold}))
        }
        RuleCondition::RiverLevel { bd1, bd2, bd3, clear_margin_m } => {
            let levels = levels?;
            let severity = ladder_severity(&river_ladder([*bd1, *bd2, *bd3], levels), *clear_margin_m, value, active);
            let level = levels.level_of(value);
            // The level shown is the one the alarm holds at, so a held BĐ2 alarm does not read "BĐ1".
            let shown = match severity {
                Some(s) if s == *bd3 && level < FloodLevel::Bd3 && active == Some(s) => FloodLevel::Bd3,
                Some(s) if s == *bd2 && level < FloodLevel::Bd2 && active == Some(s) => FloodLevel::Bd2,
                Some(_) if level == FloodLevel::Normal => FloodLevel::Bd1,
                _ => level,
            };
            let details = json!({
                "gauge": stream.gauge, "water_level_m": value, "level": shown.as_str(),
                "level_vi": shown.label_vi(), "level_en": shown.label_en(),
            });
            outcome(rule, severity, at, details)
        }
        RuleCondition::Silence { .. } => None,
    }
}

/// Evaluates a silence rule for a device whose newest Observation is at `last` (`None`: it never reported).
pub fn evaluate_silence(
    rule: &AlarmRule,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    details: Value,
) -> Option<AlarmCondition> {
    let RuleCondition::Silence { minutes, severity } = rule.condition else { return None };
    if !rule.enabled {
        return None;
    }
    let silent = last.is_none_or(|t| now - t > Duration::minutes(minutes));
    outcome(rule, silent.then_some(severity), now, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::alarms::AlarmSeverity::{Critical, Major, Minor, Warning};

    fn pm25(margin: f64) -> AlarmRule {
        let mut r = default_rules().remove(2);
        r.enabled = true;
        if let RuleCondition::Threshold { clear_margin, .. } = &mut r.condition {
            *clear_margin = margin;
        }
        r
    }

    fn pm_stream() -> StreamFacts {
        StreamFacts { id: 4, observed_property: "bụi pm2.5".into(), ..Default::default() }
    }

    fn kim_long() -> (StreamFacts, AlarmLevels) {
        let s = StreamFacts { id: 9, gauge: Some("tram-thuy-van-kim-long".into()), ..Default::default() };
        (s, AlarmLevels::new(1.0, 2.0, 3.5).unwrap())
    }

    fn severity(c: Option<AlarmCondition>) -> Option<Option<AlarmSeverity>> {
        c.map(|c| match c {
            AlarmCondition::Raised { severity, .. } => Some(severity),
            AlarmCondition::Normal { .. } => None,
        })
    }

    #[test]
    fn the_default_flood_rule_gives_todays_severities() {
        let rule = &default_rules()[0];
        let (s, levels) = kim_long();
        let at = Utc::now();
        // value, expected: Some(None) = Normal (clears), Some(Some(sev)) = raised.
        let table = [
            (0.5, None),
            (1.0, Some(Minor)),
            (1.99, Some(Minor)),
            (2.6, Some(Major)),
            (3.5, Some(Critical)),
            (5.0, Some(Critical)),
        ];
        for (v, want) in table {
            assert_eq!(severity(evaluate_reading(rule, &s, Some(&levels), v, at, None)), Some(want), "{v} m");
        }
    }

    #[test]
    fn a_held_alarm_drops_only_past_the_clear_margin() {
        let rule = pm25(5.0);
        let s = pm_stream();
        let at = Utc::now();
        // (value, active severity, expected)
        let table = [
            (49.0, None, None),
            (50.0, None, Some(Warning)),
            (46.0, Some(Warning), Some(Warning)),
            (45.0, Some(Warning), Some(Warning)),
            (44.9, Some(Warning), None),
            (79.9, Some(Warning), Some(Warning)),
            (80.0, Some(Warning), Some(Minor)),
            (76.0, Some(Minor), Some(Minor)),
            (74.0, Some(Minor), Some(Warning)),
            (146.0, Some(Major), Some(Major)),
            (30.0, Some(Critical), None),
            (260.0, None, Some(Critical)),
        ];
        for (v, active, want) in table {
            assert_eq!(severity(evaluate_reading(&rule, &s, None, v, at, active)), Some(want), "{v} with {active:?}");
        }
    }

    #[test]
    fn a_value_hovering_at_the_threshold_raises_once_and_does_not_flap() {
        let rule = pm25(5.0);
        let s = pm_stream();
        let mut active = None;
        let mut changes = 0;
        for v in [49.5, 50.5, 49.0, 50.2, 48.0, 51.0, 47.5] {
            let new = match evaluate_reading(&rule, &s, None, v, Utc::now(), active) {
                Some(AlarmCondition::Raised { severity, .. }) => Some(severity),
                _ => None,
            };
            changes += usize::from(new != active);
            active = new;
        }
        assert_eq!((changes, active), (1, Some(Warning)));
        // Without a margin the same readings flap every time.
        let rule = pm25(0.0);
        let (mut active, mut changes) = (None, 0);
        for v in [49.5, 50.5, 49.0, 50.2, 48.0, 51.0, 47.5] {
            let new = match evaluate_reading(&rule, &s, None, v, Utc::now(), active) {
                Some(AlarmCondition::Raised { severity, .. }) => Some(severity),
                _ => None,
            };
            changes += usize::from(new != active);
            active = new;
        }
        assert_eq!(changes, 6);
    }

    #[test]
    fn a_river_alarm_held_by_the_margin_still_names_its_level() {
        let mut rule = default_rules().remove(0);
        rule.condition = RuleCondition::RiverLevel { bd1: Minor, bd2: Major, bd3: Critical, clear_margin_m: 0.1 };
        let (s, levels) = kim_long();
        let c = evaluate_reading(&rule, &s, Some(&levels), 1.95, Utc::now(), Some(Major)).unwrap();
        let AlarmCondition::Raised { severity, details, .. } = c else { panic!("held") };
        assert_eq!((severity, details["level"].as_str()), (Major, Some("bd2")));
        assert_eq!(severity_of(&rule, &s, &levels, 1.85, Some(Major)), Some(Minor));
        assert_eq!(severity_of(&rule, &s, &levels, 0.95, Some(Minor)), Some(Minor));
        assert_eq!(severity_of(&rule, &s, &levels, 0.89, Some(Minor)), None);
    }

    fn severity_of(
        r: &AlarmRule,
        s: &StreamFacts,
        l: &AlarmLevels,
        v: f64,
        a: Option<AlarmSeverity>,
    ) -> Option<AlarmSeverity> {
        severity(evaluate_reading(r, s, Some(l), v, Utc::now(), a)).flatten()
    }

    #[test]
    fn disabled_rules_other_streams_and_manual_clearing_do_nothing() {
        let mut rule = pm25(0.0);
        let other = StreamFacts { id: 5, observed_property: "Ôzôn".into(), ..Default::default() };
        assert_eq!(evaluate_reading(&rule, &other, None, 500.0, Utc::now(), None), None);
        rule.auto_clear = false;
        assert_eq!(evaluate_reading(&rule, &pm_stream(), None, 1.0, Utc::now(), Some(Warning)), None);
        rule.enabled = false;
        assert_eq!(evaluate_reading(&rule, &pm_stream(), None, 500.0, Utc::now(), None), None);
        let by_stream = AlarmRule {
            condition: RuleCondition::Threshold {
                scope: RuleScope::Datastream { id: 5 },
                steps: vec![ThresholdStep { at_least: 1.0, severity: Major }],
                clear_margin: 0.0,
            },
            ..pm25(0.0)
        };
        assert!(by_stream.watches(&other) && !by_stream.watches(&pm_stream()));
        let (gauge, levels) = kim_long();
        assert_eq!(evaluate_reading(&default_rules()[0], &gauge, None, 3.0, Utc::now(), None), None, "no levels");
        assert!(evaluate_reading(&default_rules()[0], &pm_stream(), Some(&levels), 3.0, Utc::now(), None).is_none());
    }

    #[test]
    fn the_default_silence_rule_raises_after_an_hour() {
        let rule = &default_rules()[1];
        let now = Utc::now();
        let table = [
            (Some(now - Duration::minutes(59)), None),
            (Some(now - Duration::minutes(61)), Some(Warning)),
            (None, Some(Warning)),
        ];
        for (last, want) in table {
            assert_eq!(severity(evaluate_silence(rule, last, now, Value::Null)), Some(want), "{last:?}");
        }
        let mut quick = rule.clone();
        quick.condition = RuleCondition::Silence { minutes: 5, severity: Major };
        assert_eq!(
            severity(evaluate_silence(&quick, Some(now - Duration::minutes(6)), now, Value::Null)),
            Some(Some(Major))
        );
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason_in_both_languages() {
        let good = pm25(5.0);
        let with = |f: &dyn Fn(&mut AlarmRule)| {
            let mut r = good.clone();
            f(&mut r);
            r.validate().err().map(|e| (e.code, !e.vi.is_empty() && !e.en.is_empty()))
        };
        assert_eq!(with(&|_| {}), None);
        assert_eq!(with(&|r| r.code = "PM25".into()), Some(("alarm_rule_code_invalid", true)));
        assert_eq!(with(&|r| r.code = "1pm".into()), Some(("alarm_rule_code_invalid", true)));
        assert_eq!(with(&|r| r.name = "  ".into()), Some(("alarm_rule_name_invalid", true)));
        let set_steps = |steps: Vec<ThresholdStep>, margin: f64| {
            move |r: &mut AlarmRule| {
                r.condition = RuleCondition::Threshold {
                    scope: RuleScope::ObservedProperty { name: "PM2.5".into() },
                    steps: steps.clone(),
                    clear_margin: margin,
                }
            }
        };
        let step = |at_least, severity| ThresholdStep { at_least, severity };
        assert_eq!(with(&set_steps(vec![], 0.0)), Some(("alarm_rule_steps_count", true)));
        assert_eq!(
            with(&set_steps(vec![step(5.0, Minor), step(4.0, Major)], 0.0)),
            Some(("alarm_rule_steps_order", true))
        );
        assert_eq!(
            with(&set_steps(vec![step(5.0, Major), step(6.0, Minor)], 0.0)),
            Some(("alarm_rule_steps_order", true))
        );
        assert_eq!(with(&set_steps(vec![step(f64::NAN, Major)], 0.0)), Some(("alarm_rule_number_invalid", true)));
        assert_eq!(with(&set_steps(vec![step(5.0, Major)], -1.0)), Some(("alarm_rule_margin_negative", true)));
        assert_eq!(
            with(&set_steps(vec![step(5.0, AlarmSeverity::Indeterminate)], 0.0)),
            Some(("alarm_rule_severity_invalid", true))
        );
        assert_eq!(
            with(&|r| r.condition = RuleCondition::Silence { minutes: 0, severity: Warning }),
            Some(("alarm_rule_minutes_invalid", true))
        );
        assert_eq!(
            with(&|r| r.condition =
                RuleCondition::RiverLevel { bd1: Major, bd2: Minor, bd3: Critical, clear_margin_m: 0.0 }),
            Some(("alarm_rule_steps_order", true))
        );
        let named = AlarmRule { name: "  Bụi  PM2.5 ".into(), ..good.clone() }.validate().unwrap();
        assert_eq!(named.name, "Bụi PM2.5");
    }

    #[test]
    fn stored_rules_replace_their_defaults_and_others_follow() {
        let mut edited = default_rules().remove(1);
        edited.condition = RuleCondition::Silence { minutes: 30, severity: Minor };
        let extra = AlarmRule { code: "a_extra".into(), ..pm25(0.0) };
        let rules = effective_rules(vec![extra.clone(), edited.clone()]);
        let codes: Vec<&str> = rules.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, [FLOOD_RULE, SILENT_RULE, PM25_RULE, "a_extra"]);
        assert_eq!(rules[1], edited);
    }
}

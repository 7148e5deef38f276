//! Quy tắc cảnh báo: administrators edit the rules that raise alarms (`domain::sensing::alarm_rules`) and the BĐ
//! levels of each river gauge, on `/admin/quy-tac-canh-bao` and through `GET /api/v1/alarm-rules`,
//! `PUT /api/v1/alarm-rules/{code}` and `PUT /api/v1/environment/gauges/{id}/levels`. A form that cannot be saved
//! comes back with what was typed and the reason; every save is audited by the store. New rules take effect on the
//! next reading (thresholds, river levels) or the next minute's device check (silence).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use smartcity_domain::identity::Role;
use smartcity_domain::operations::alarms::AlarmSeverity;
use smartcity_domain::sensing::alarm_rules::{AlarmRule, RuleCondition, RuleScope, ThresholdStep};
use smartcity_domain::sensing::flood::AlarmLevels;
use smartcity_domain::validation::ValidationError;
use smartcity_store::{AlarmRuleStore, AuditContext, StoreError};

use crate::error::ApiErrorBody;
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppForm, AppJson, AppQuery};
use crate::shell::page::{PageContext, redirect, render};
use crate::{AppError, AppResult, AppState};

/// The page of the rules.
pub const PAGE: &str = "/admin/quy-tac-canh-bao";

/// Routes of the rule editor and its API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page).post(save_rule_form))
        .route("/admin/quy-tac-canh-bao/tram/{gauge}", post(save_levels_form))
        .route("/api/v1/alarm-rules", get(api_rules))
        .route("/api/v1/alarm-rules/{code}", put(api_put_rule))
        .route("/api/v1/environment/gauges/{id}/levels", put(api_put_levels))
}

/// The severities a rule may give, mildest first (the form's choices).
const SEVERITIES: [AlarmSeverity; 4] =
    [AlarmSeverity::Warning, AlarmSeverity::Minor, AlarmSeverity::Major, AlarmSeverity::Critical];

/// An alarm rule on the wire: the JSON of `domain::sensing::alarm_rules::AlarmRule`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlarmRuleView {
    /// Stable key and alarm type, e.g. `pm25_high`.
    pub code: String,
    /// What operators call it.
    pub name: String,
    pub enabled: bool,
    /// Clear the alarm by itself when the condition ends.
    pub auto_clear: bool,
    /// `{"kind": "threshold", "scope": {"by": "observed_property", "name": "Bụi PM2.5"}, "steps": [{"at_least": 50,
    /// "severity": "warning"}], "clear_margin": 5}`, `{"kind": "river_level", "bd1": "minor", "bd2": "major", "bd3":
    /// "critical", "clear_margin_m": 0.1}` or `{"kind": "silence", "minutes": 60, "severity": "warning"}`.
    #[schema(value_type = Object)]
    pub condition: RuleCondition,
}

impl From<AlarmRule> for AlarmRuleView {
    fn from(r: AlarmRule) -> Self {
        AlarmRuleView {
            code: r.code,
            name: r.name,
            enabled: r.enabled,
            auto_clear: r.auto_clear,
            condition: r.condition,
        }
    }
}

/// A river gauge's flood alarm levels in force.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GaugeLevelsView {
    /// E.g. `tram-thuy-van-kim-long`.
    pub gauge_id: String,
    pub name_vi: String,
    pub bd1_m: f64,
    pub bd2_m: f64,
    pub bd3_m: f64,
    /// What fixes the levels, marked when adjusted here.
    pub basis: String,
}

/// Every rule in force and every gauge's levels.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlarmRulesView {
    pub rules: Vec<AlarmRuleView>,
    pub gauges: Vec<GaugeLevelsView>,
}

/// New BĐ levels of a gauge, in metres.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LevelsRequest {
    pub bd1_m: f64,
    pub bd2_m: f64,
    pub bd3_m: f64,
}

async fn require_admin(state: &AppState, user: &CurrentUser) -> AppResult<()> {
    user.require_any_role(state, &[Role::Administrator]).await
}

async fn view(state: &AppState) -> AppResult<AlarmRulesView> {
    let rules = state.store.alarm_rules().await?.into_iter().map(AlarmRuleView::from).collect();
    let gauges = state
        .store
        .river_gauges()
        .await?
        .into_iter()
        .map(|g| GaugeLevelsView {
            bd1_m: g.alarm_levels.bd1(),
            bd2_m: g.alarm_levels.bd2(),
            bd3_m: g.alarm_levels.bd3(),
            gauge_id: g.id,
            name_vi: g.name_vi,
            basis: g.basis,
        })
        .collect();
    Ok(AlarmRulesView { rules, gauges })
}

/// The alarm rules in force and the river gauges' levels (IOC operators and administrators).
#[utoipa::path(get, path = "/api/v1/alarm-rules", tag = "sensing",
    responses((status = 200, description = "Rules in force (edited ones over the defaults) and gauge levels", body = AlarmRulesView),
              (status = 403, description = "Not an IOC operator or administrator", body = ApiErrorBody)))]
pub async fn api_rules(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<AlarmRulesView>> {
    user.require_any_role(&state, &[Role::IocOperator, Role::Administrator]).await?;
    Ok(Json(view(&state).await?))
}

/// Creates or replaces the rule with this code (administrators).
#[utoipa::path(put, path = "/api/v1/alarm-rules/{code}", tag = "sensing", request_body = AlarmRuleView,
    params(("code" = String, Path, description = "The rule's code; must equal the body's")),
    responses((status = 200, description = "The rule as stored", body = AlarmRuleView),
              (status = 403, description = "Not an administrator", body = ApiErrorBody),
              (status = 422, description = "An invalid rule, with the reason in Vietnamese and English", body = ApiErrorBody)))]
pub async fn api_put_rule(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    AppJson(body): AppJson<AlarmRuleView>,
) -> AppResult<Json<AlarmRuleView>> {
    require_admin(&state, &user).await?;
    if body.code.trim() != code {
        return Err(AppError::invalid_field(
            "code",
            "alarm_rule_code_mismatch",
            "Mã quy tắc trong nội dung phải trùng với mã trên địa chỉ.",
            "The rule code in the body must equal the one in the path.",
        ));
    }
    let rule = AlarmRule {
        code: body.code,
        name: body.name,
        enabled: body.enabled,
        auto_clear: body.auto_clear,
        condition: body.condition,
    }
    .validate()?;
    state.store.save_alarm_rule(&AuditContext::account(user.id(), ip), &rule).await?;
    Ok(Json(rule.into()))
}

/// Sets a river gauge's BĐ1–BĐ3 levels (administrators); the environment page, the rivers API and the flood rule use
/// them from the next reading.
#[utoipa::path(put, path = "/api/v1/environment/gauges/{id}/levels", tag = "sensing", request_body = LevelsRequest,
    params(("id" = String, Path, description = "Gauge id, e.g. tram-thuy-van-kim-long")),
    responses((status = 200, description = "The gauge's levels in force", body = GaugeLevelsView),
              (status = 403, description = "Not an administrator", body = ApiErrorBody),
              (status = 404, description = "No such gauge", body = ApiErrorBody),
              (status = 422, description = "Levels that are not numbers rising BĐ1 < BĐ2 < BĐ3", body = ApiErrorBody)))]
pub async fn api_put_levels(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    AppJson(body): AppJson<LevelsRequest>,
) -> AppResult<Json<GaugeLevelsView>> {
    require_admin(&state, &user).await?;
    save_levels(&state, &user, ip, &id, body.bd1_m, body.bd2_m, body.bd3_m).await?;
    view(&state).await?.gauges.into_iter().find(|g| g.gauge_id == id).map(Json).ok_or_else(gauge_not_found)
}

fn gauge_not_found() -> AppError {
    AppError::new(
        "gauge_not_found",
        StatusCode::NOT_FOUND,
        "Không có trạm thủy văn này.",
        "There is no such river gauge.",
    )
}

async fn save_levels(
    state: &AppState,
    user: &CurrentUser,
    ip: Option<String>,
    id: &str,
    bd1: f64,
    bd2: f64,
    bd3: f64,
) -> AppResult<()> {
    let levels = AlarmLevels::new(bd1, bd2, bd3)?;
    match state.store.save_gauge_levels(&AuditContext::account(user.id(), ip), id, &levels).await {
        Err(StoreError::NotFound) => Err(gauge_not_found()),
        other => Ok(other?),
    }
}

/// One rule as the form shows it: the text typed, so a refused save loses nothing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RuleForm {
    /// `threshold`, `river_level` or `silence`.
    pub kind: String,
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub enabled: Option<String>,
    #[serde(default)]
    pub auto_clear: Option<String>,
    /// `observed_property` or `datastream` (threshold rules).
    #[serde(default)]
    pub scope_by: String,
    #[serde(default)]
    pub scope: String,
    /// Thresholds for warning, minor, major, critical; empty: no step.
    #[serde(default)]
    pub at_warning: String,
    #[serde(default)]
    pub at_minor: String,
    #[serde(default)]
    pub at_major: String,
    #[serde(default)]
    pub at_critical: String,
    #[serde(default)]
    pub clear_margin: String,
    /// Severities at BĐ1–BĐ3 (river rule).
    #[serde(default)]
    pub bd1: String,
    #[serde(default)]
    pub bd2: String,
    #[serde(default)]
    pub bd3: String,
    /// Silence rule.
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub severity: String,
}

fn number(field: &'static str, text: &str, vi: &str, en: &str) -> Result<f64, ValidationError> {
    text.trim().replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
        ValidationError::new(
            field,
            "alarm_rule_number_invalid",
            format!("{vi} “{}” không phải là số.", text.trim()),
            format!("{en} “{}” is not a number.", text.trim()),
        )
    })
}

impl RuleForm {
    /// The text of a stored rule.
    pub fn of(rule: &AlarmRule) -> RuleForm {
        let mut f = RuleForm {
            code: rule.code.clone(),
            name: rule.name.clone(),
            enabled: rule.enabled.then(|| "on".to_owned()),
            auto_clear: rule.auto_clear.then(|| "on".to_owned()),
            ..RuleForm::default()
        };
        match &rule.condition {
            RuleCondition::Threshold { scope, steps, clear_margin } => {
                f.kind = "threshold".into();
                (f.scope_by, f.scope) = match scope {
                    RuleScope::ObservedProperty { name } => ("observed_property".into(), name.clone()),
                    RuleScope::Datastream { id } => ("datastream".into(), id.to_string()),
                };
                for s in steps {
                    *f.threshold_mut(s.severity) = s.at_least.to_string();
                }
                f.clear_margin = clear_margin.to_string();
            }
            RuleCondition::RiverLevel { bd1, bd2, bd3, clear_margin_m } => {
                f.kind = "river_level".into();
                (f.bd1, f.bd2, f.bd3) = (bd1.as_str().into(), bd2.as_str().into(), bd3.as_str().into());
                f.clear_margin = clear_margin_m.to_string();
            }
            RuleCondition::Silence { minutes, severity } => {
                f.kind = "silence".into();
                f.minutes = minutes.to_string();
                f.severity = severity.as_str().into();
            }
        }
        f
    }

    fn threshold_mut(&mut self, s: AlarmSeverity) -> &mut String {
        match s {
            AlarmSeverity::Critical => &mut self.at_critical,
            AlarmSeverity::Major => &mut self.at_major,
            AlarmSeverity::Minor => &mut self.at_minor,
            _ => &mut self.at_warning,
        }
    }

    /// The threshold typed for a severity (the template's inputs).
    pub fn threshold(&self, s: &AlarmSeverity) -> &str {
        match s {
            AlarmSeverity::Critical => &self.at_critical,
            AlarmSeverity::Major => &self.at_major,
            AlarmSeverity::Minor => &self.at_minor,
            _ => &self.at_warning,
        }
    }

    /// The rule the form describes, validated.
    pub fn to_rule(&self) -> Result<AlarmRule, ValidationError> {
        let margin = |f: &Self| {
            if f.clear_margin.trim().is_empty() {
                Ok(0.0)
            } else {
                number("clear_margin", &f.clear_margin, "Biên xóa cảnh báo", "The clear margin")
            }
        };
        let condition = match self.kind.as_str() {
            "threshold" => {
                let scope = match self.scope_by.as_str() {
                    "datastream" => RuleScope::Datastream {
                        id: self.scope.trim().parse().map_err(|_| {
                            ValidationError::new(
                                "scope",
                                "alarm_rule_scope_invalid",
                                "Mã Datastream phải là số nguyên dương.",
                                "The Datastream id must be a positive integer.",
                            )
                        })?,
                    },
                    _ => RuleScope::ObservedProperty { name: self.scope.clone() },
                };
                let mut steps = Vec::new();
                for s in SEVERITIES {
                    let text = self.threshold(&s);
                    if !text.trim().is_empty() {
                        steps.push(ThresholdStep {
                            at_least: number("steps", text, "Ngưỡng", "The threshold")?,
                            severity: s,
                        });
                    }
                }
                RuleCondition::Threshold { scope, steps, clear_margin: margin(self)? }
            }
            "river_level" => RuleCondition::RiverLevel {
                bd1: AlarmSeverity::parse(&self.bd1)?,
                bd2: AlarmSeverity::parse(&self.bd2)?,
                bd3: AlarmSeverity::parse(&self.bd3)?,
                clear_margin_m: margin(self)?,
            },
            "silence" => RuleCondition::Silence {
                minutes: self.minutes.trim().parse().map_err(|_| {
                    ValidationError::new(
                        "minutes",
                        "alarm_rule_minutes_invalid",
                        format!("Số phút “{}” không phải là số nguyên.", self.minutes.trim()),
                        format!("The minutes “{}” are not a whole number.", self.minutes.trim()),
                    )
                })?,
                severity: AlarmSeverity::parse(&self.severity)?,
            },
            other => {
                return Err(ValidationError::new(
                    "kind",
                    "alarm_rule_kind_unknown",
                    format!("Loại quy tắc “{other}” không hợp lệ (threshold, river_level, silence)."),
                    format!("Unknown rule kind “{other}” (threshold, river_level, silence)."),
                ));
            }
        };
        AlarmRule {
            code: self.code.clone(),
            name: self.name.clone(),
            enabled: self.enabled.is_some(),
            auto_clear: self.auto_clear.is_some(),
            condition,
        }
        .validate()
    }
}

/// One gauge's levels as the form shows them.
#[derive(Debug, Clone)]
pub struct GaugeForm {
    pub gauge_id: String,
    pub name: String,
    pub basis: String,
    pub bd: [String; 3],
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "sensing/rules.html")]
struct RulesPage {
    ctx: PageContext,
    rules: Vec<(RuleForm, Option<String>)>,
    gauges: Vec<GaugeForm>,
    /// The "new threshold rule" form, and its error when refused.
    new_rule: RuleForm,
    new_error: Option<String>,
    saved: bool,
}

impl RulesPage {
    fn severities(&self) -> [AlarmSeverity; 4] {
        SEVERITIES
    }

    /// The river rule's three selects: field name, label, severity chosen.
    fn river_fields(&self, r: &RuleForm) -> [(&'static str, &'static str, String); 3] {
        [("bd1", "BĐ1", r.bd1.clone()), ("bd2", "BĐ2", r.bd2.clone()), ("bd3", "BĐ3", r.bd3.clone())]
    }

    /// A gauge's three inputs: field name, label, value typed.
    fn gauge_fields(&self, g: &GaugeForm) -> [(&'static str, &'static str, String); 3] {
        [("bd1", "BĐ1", g.bd[0].clone()), ("bd2", "BĐ2", g.bd[1].clone()), ("bd3", "BĐ3", g.bd[2].clone())]
    }

    fn severity_label(&self, s: &AlarmSeverity) -> &'static str {
        self.ctx.pick(s.label_vi(), s.label_en())
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct RulesQuery {
    #[serde(default)]
    pub saved: Option<String>,
}

fn blank_rule() -> RuleForm {
    RuleForm {
        kind: "threshold".into(),
        scope_by: "observed_property".into(),
        enabled: Some("on".into()),
        auto_clear: Some("on".into()),
        ..RuleForm::default()
    }
}

async fn page_data(state: &AppState) -> AppResult<(Vec<(RuleForm, Option<String>)>, Vec<GaugeForm>)> {
    let rules = state.store.alarm_rules().await?.iter().map(|r| (RuleForm::of(r), None)).collect();
    let gauges = state
        .store
        .river_gauges()
        .await?
        .into_iter()
        .map(|g| GaugeForm {
            bd: [g.alarm_levels.bd1(), g.alarm_levels.bd2(), g.alarm_levels.bd3()].map(|v| v.to_string()),
            gauge_id: g.id,
            name: g.name_vi,
            basis: g.basis,
            error: None,
        })
        .collect();
    Ok((rules, gauges))
}

/// `GET /admin/quy-tac-canh-bao`: every rule and gauge in an editable form.
pub async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    AppQuery(q): AppQuery<RulesQuery>,
) -> AppResult<Response> {
    require_admin(&state, &user).await?;
    let (rules, gauges) = page_data(&state).await?;
    Ok(render(&RulesPage { ctx, rules, gauges, new_rule: blank_rule(), new_error: None, saved: q.saved.is_some() }))
}

fn refused(page: &RulesPage) -> Response {
    let mut response = render(page);
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// `POST /admin/quy-tac-canh-bao`: saves one rule (an edited one, or a new threshold rule).
pub async fn save_rule_form(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<RuleForm>,
) -> AppResult<Response> {
    require_admin(&state, &user).await?;
    let (mut rules, gauges) = page_data(&state).await?;
    let existing = rules.iter().position(|(r, _)| r.code == form.code.trim());
    let result = form.to_rule().and_then(|rule| match existing {
        // An existing rule keeps its kind: a river rule cannot turn into a threshold rule by a crafted form.
        Some(i) if rules[i].0.kind != form.kind => Err(ValidationError::new(
            "kind",
            "alarm_rule_kind_changed",
            "Không thể đổi loại của một quy tắc đã có.",
            "The kind of an existing rule cannot change.",
        )),
        _ => Ok(rule),
    });
    match result {
        Ok(rule) => {
            state.store.save_alarm_rule(&AuditContext::account(user.id(), ip), &rule).await?;
            Ok(redirect(&format!("{PAGE}?saved=1#rule-{}", rule.code)))
        }
        Err(e) => {
            let message = AppError::from(e).message(ctx.lang_code()).to_owned();
            let (mut new_rule, mut new_error) = (blank_rule(), None);
            match existing {
                Some(i) => rules[i] = (form, Some(message)),
                None => (new_rule, new_error) = (form, Some(message)),
            }
            Ok(refused(&RulesPage { ctx, rules, gauges, new_rule, new_error, saved: false }))
        }
    }
}

/// The levels form of a gauge.
#[derive(Debug, Deserialize)]
pub struct LevelsForm {
    #[serde(default)]
    pub bd1: String,
    #[serde(default)]
    pub bd2: String,
    #[serde(default)]
    pub bd3: String,
}

/// `POST /admin/quy-tac-canh-bao/tram/{gauge}`: saves a gauge's BĐ levels.
pub async fn save_levels_form(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(gauge): Path<String>,
    AppForm(form): AppForm<LevelsForm>,
) -> AppResult<Response> {
    require_admin(&state, &user).await?;
    let parsed = (|| -> Result<(f64, f64, f64), ValidationError> {
        Ok((
            number("bd1", &form.bd1, "Mức BĐ1", "BĐ1")?,
            number("bd2", &form.bd2, "Mức BĐ2", "BĐ2")?,
            number("bd3", &form.bd3, "Mức BĐ3", "BĐ3")?,
        ))
    })();
    let outcome = match parsed {
        Ok((b1, b2, b3)) => save_levels(&state, &user, ip, &gauge, b1, b2, b3).await,
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(()) => Ok(redirect(&format!("{PAGE}?saved=1#gauge-{gauge}"))),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let message = e.message(ctx.lang_code()).to_owned();
            let (rules, mut gauges) = page_data(&state).await?;
            if let Some(g) = gauges.iter_mut().find(|g| g.gauge_id == gauge) {
                g.bd = [form.bd1.clone(), form.bd2.clone(), form.bd3.clone()];
                g.error = Some(message);
            }
            Ok(refused(&RulesPage { ctx, rules, gauges, new_rule: blank_rule(), new_error: None, saved: false }))
        }
        Err(e) => Ok(e.into_response()),
    }
}

#[cfg(test)]
mod tests {
    use smartcity_domain::sensing::alarm_rules::default_rules;

    use super::*;

    #[test]
    fn every_default_rule_reads_back_from_its_form() {
        for rule in default_rules() {
            assert_eq!(RuleForm::of(&rule).to_rule(), Ok(rule));
        }
    }

    #[test]
    fn a_form_with_a_word_for_a_number_is_refused_in_both_languages() {
        let mut form = RuleForm::of(&default_rules()[2]);
        form.at_minor = "tám mươi".into();
        let e = form.to_rule().unwrap_err();
        assert_eq!(e.code, "alarm_rule_number_invalid");
        assert!(e.vi.contains("tám mươi") && e.en.contains("not a number"));
        form.at_minor = "80,5".into();
        assert!(form.to_rule().is_ok(), "a decimal comma is a number");
    }
}

//! Administration of what money is collected and on which receipts: the fees of each procedure version (lệ phí /
//! phí, amount in whole đồng, when collected, whether processing waits for them) and the receipt templates and
//! series of each collecting unit. The catalogue is the city's, so fees are the city administrators'; a unit's
//! administrators register and retire their own unit's series.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use smartcity_domain::identity::Role;
use smartcity_domain::payments::{CollectAt, FeeKind, FeeSpec, format_vnd, parse_amount};
use smartcity_domain::units::UnitCode;
use smartcity_domain::validation::ValidationError;
use smartcity_store::payments::{NewReceiptSeries, ReceiptSeries};
use smartcity_store::procedures::Procedure;
use smartcity_store::units::Unit;
use smartcity_store::{AuditContext, IdentityStore, PaymentStore, ProcedureStore, StoreError, UnitStore};
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::shell::auth::{ClientIp, CurrentUser};
use crate::shell::extract::{AppForm, AppQuery};
use crate::shell::page::{PageContext, redirect, render, render_with_status};

/// The city, whose administrators keep the procedure catalogue (and so its fees).
const CITY_UNIT: &str = "46";

/// Empty rows offered under a version's fees for new ones.
const BLANK_FEE_ROWS: usize = 2;

/// One fee row of the form, as typed.
#[derive(Debug, Clone, Default)]
pub struct FeeRow {
    pub key: String,
    pub kind: String,
    pub name_vi: String,
    pub name_en: String,
    pub amount: String,
    pub collect_at: String,
    pub before_processing: bool,
}

impl FeeRow {
    fn from_fee(fee: &FeeSpec) -> Self {
        FeeRow {
            key: fee.key.clone(),
            kind: fee.kind.as_str().to_owned(),
            name_vi: fee.name_vi.clone(),
            name_en: fee.name_en.clone(),
            amount: format_vnd(fee.amount_vnd),
            collect_at: fee.collect_at.as_str().to_owned(),
            before_processing: fee.before_processing,
        }
    }

    fn blank() -> Self {
        FeeRow {
            kind: FeeKind::Charge.as_str().to_owned(),
            collect_at: CollectAt::Reception.as_str().to_owned(),
            ..Default::default()
        }
    }

    fn is_blank(&self) -> bool {
        self.key.trim().is_empty() && self.name_vi.trim().is_empty() && self.amount.trim().is_empty()
    }

    /// The fee this row describes; errors name the row (1-based) so the administrator finds it.
    fn parse(&self, row: usize) -> Result<FeeSpec, ValidationError> {
        let in_row = |e: ValidationError| {
            ValidationError::new(e.field, e.code, format!("Dòng {row}: {}", e.vi), format!("Row {row}: {}", e.en))
        };
        let fee = FeeSpec {
            key: self.key.clone(),
            kind: FeeKind::parse(&self.kind).map_err(in_row)?,
            name_vi: self.name_vi.clone(),
            name_en: self.name_en.clone(),
            amount_vnd: parse_amount("fee_amount", &self.amount).map_err(in_row)?,
            collect_at: CollectAt::parse(&self.collect_at).map_err(in_row)?,
            before_processing: self.before_processing,
        };
        fee.checked().map_err(in_row)
    }
}

/// The rows of a submitted fee form: `key_0`, `kind_0`, … up to `rows`.
fn fee_rows(form: &HashMap<String, String>) -> Vec<FeeRow> {
    let field = |name: &str, i: usize| form.get(&format!("{name}_{i}")).cloned().unwrap_or_default();
    let count = form.get("rows").and_then(|r| r.trim().parse::<usize>().ok()).unwrap_or(0).min(50);
    (0..count)
        .map(|i| FeeRow {
            key: field("key", i),
            kind: field("kind", i),
            name_vi: field("name_vi", i),
            name_en: field("name_en", i),
            amount: field("amount", i),
            collect_at: field("collect_at", i),
            before_processing: form.contains_key(&format!("before_{i}")),
        })
        .collect()
}

/// Checks every non-blank row and that no key repeats.
fn parse_fee_rows(rows: &[FeeRow]) -> Result<Vec<FeeSpec>, ValidationError> {
    let mut fees: Vec<FeeSpec> = Vec::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let fee = row.parse(i + 1)?;
        if fees.iter().any(|f| f.key == fee.key) {
            return Err(ValidationError::new(
                "fee_key",
                "fee_key_repeated",
                format!("Dòng {}: mã khoản thu “{}” đã dùng ở dòng trên.", i + 1, fee.key),
                format!("Row {}: the fee key “{}” is already used above.", i + 1, fee.key),
            ));
        }
        fees.push(fee);
    }
    Ok(fees)
}

#[derive(Template)]
#[template(path = "payments/admin_fees.html")]
struct FeesPage {
    ctx: PageContext,
    code: String,
    name: String,
    versions: Vec<Procedure>,
    /// The version whose fees are shown.
    version: i64,
    rows: Vec<FeeRow>,
    kinds: &'static [FeeKind],
    collect_ats: &'static [CollectAt],
    error: Option<String>,
    saved: bool,
}

/// `?version=N` of the fee page (the latest version by default); `saved=1` after a save.
#[derive(Debug, Default, Deserialize)]
pub struct FeesQuery {
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub saved: Option<String>,
}

async fn require_city_admin(state: &AppState, user: &CurrentUser) -> AppResult<()> {
    user.require_role_on(state, &[Role::Administrator], &UnitCode::parse(CITY_UNIT)?).await
}

/// The versions of procedure `code` and the one numbered `version` (the latest when `None`).
async fn version_of(state: &AppState, code: &str, version: Option<i64>) -> AppResult<(Vec<Procedure>, Procedure)> {
    let versions = state.store.procedure_versions(code).await?;
    let chosen = match version {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => versions.last(),
    }
    .cloned()
    .ok_or_else(AppError::not_found)?;
    Ok((versions, chosen))
}

fn fees_page(
    ctx: PageContext,
    versions: Vec<Procedure>,
    chosen: &Procedure,
    mut rows: Vec<FeeRow>,
    error: Option<String>,
    saved: bool,
) -> FeesPage {
    rows.retain(|r| !r.is_blank());
    rows.extend((0..BLANK_FEE_ROWS).map(|_| FeeRow::blank()));
    FeesPage {
        ctx,
        code: chosen.code.clone(),
        name: chosen.name_vi.clone(),
        versions,
        version: chosen.version,
        rows,
        kinds: FeeKind::ALL,
        collect_ats: CollectAt::ALL,
        error,
        saved,
    }
}

/// `GET /admin/procedures/{code}/fees`: a version's fees, editable.
pub async fn fees(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    Path(code): Path<String>,
    AppQuery(q): AppQuery<FeesQuery>,
) -> AppResult<Response> {
    require_city_admin(&state, &user).await?;
    let (versions, chosen) = version_of(&state, &code, q.version).await?;
    let rows = state.store.procedure_fees(&chosen).await?.iter().map(FeeRow::from_fee).collect();
    Ok(render(&fees_page(ctx, versions, &chosen, rows, None, q.saved.is_some())))
}

/// `POST /admin/procedures/{code}/fees`: replace the version's fees. Nothing is saved unless every row is right;
/// the page comes back with what was typed and the first problem, in both languages.
pub async fn save_fees(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    AppForm(form): AppForm<HashMap<String, String>>,
) -> AppResult<Response> {
    require_city_admin(&state, &user).await?;
    let version = form.get("version").and_then(|v| v.trim().parse::<i64>().ok());
    let (versions, chosen) = version_of(&state, &code, version).await?;
    let rows = fee_rows(&form);
    let saved = match parse_fee_rows(&rows) {
        Ok(fees) => state
            .store
            .set_procedure_fees(&AuditContext::account(user.id(), ip), chosen.id, fees)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match saved {
        Ok(()) => Ok(redirect(&format!("/admin/procedures/{}/fees?version={}&saved=1", chosen.code, chosen.version))),
        Err(e) if e.status.is_client_error() => {
            let message = e.message(ctx.lang_code()).to_owned();
            let page = fees_page(ctx, versions, &chosen, rows, Some(message), false);
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

/// The units `user` administers: those granted, and every unit below them.
async fn administered_units(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Unit>> {
    let granted: Vec<String> = state
        .store
        .grants_of(user.id())
        .await?
        .into_iter()
        .filter(|g| g.role == Role::Administrator)
        .map(|g| g.unit_code)
        .collect();
    let units = state.store.list_units().await?;
    let parent: HashMap<String, Option<String>> =
        units.iter().map(|u| (u.code.to_string(), u.parent_code.as_ref().map(ToString::to_string))).collect();
    let under_grant = |code: &str| {
        let mut at = Some(code.to_owned());
        for _ in 0..8 {
            match at {
                Some(c) if granted.contains(&c) => return true,
                Some(c) => at = parent.get(&c).cloned().flatten(),
                None => return false,
            }
        }
        false
    };
    Ok(units.into_iter().filter(|u| u.valid_to.is_none() && under_grant(u.code.as_str())).collect())
}

/// What an administrator types to register a series.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SeriesForm {
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub template_symbol: String,
    #[serde(default)]
    pub series_symbol: String,
    #[serde(default)]
    pub collector_name: String,
    #[serde(default)]
    pub collector_tax_code: String,
}

#[derive(Template)]
#[template(path = "payments/admin_series.html")]
struct SeriesPage {
    ctx: PageContext,
    units: Vec<Unit>,
    series: Vec<ReceiptSeries>,
    form: SeriesForm,
    error: Option<String>,
}

impl SeriesPage {
    fn unit_name(&self, code: &str) -> String {
        self.units.iter().find(|u| u.code.as_str() == code).map(|u| u.name_vi.clone()).unwrap_or_default()
    }
}

async fn series_page(
    state: &AppState,
    ctx: PageContext,
    user: &CurrentUser,
    form: SeriesForm,
    error: Option<String>,
) -> AppResult<SeriesPage> {
    user.require_any_role(state, &[Role::Administrator]).await?;
    let units = administered_units(state, user).await?;
    let series = state
        .store
        .receipt_series()
        .await?
        .into_iter()
        .filter(|s| units.iter().any(|u| u.code.as_str() == s.unit_code))
        .collect();
    Ok(SeriesPage { ctx, units, series, form, error })
}

/// `GET /admin/receipt-series`: the series of the units the administrator manages, and the form for a new one.
pub async fn series(State(state): State<AppState>, ctx: PageContext, user: CurrentUser) -> AppResult<Response> {
    Ok(render(&series_page(&state, ctx, &user, SeriesForm::default(), None).await?))
}

/// `POST /admin/receipt-series`: register a series for one of the administrator's units.
pub async fn create_series(
    State(state): State<AppState>,
    ctx: PageContext,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    AppForm(form): AppForm<SeriesForm>,
) -> AppResult<Response> {
    user.require_any_role(&state, &[Role::Administrator]).await?;
    let unit = UnitCode::parse(form.unit_code.trim())?;
    user.require_role_on(&state, &[Role::Administrator], &unit).await?;
    let created = state
        .store
        .create_receipt_series(
            &AuditContext::account(user.id(), ip),
            NewReceiptSeries {
                unit_code: unit.to_string(),
                template_symbol: form.template_symbol.clone(),
                series_symbol: form.series_symbol.clone(),
                collector_name: form.collector_name.clone(),
                collector_tax_code: form.collector_tax_code.clone(),
            },
        )
        .await;
    match created {
        Ok(_) => Ok(redirect("/admin/receipt-series")),
        Err(StoreError::Invalid(e)) => {
            let message = ctx.pick(&e.vi, &e.en).to_owned();
            let page = series_page(&state, ctx, &user, form, Some(message)).await?;
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/receipt-series/{id}/retire`: stop issuing from a series of one of the administrator's units.
pub async fn retire_series(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let series =
        state.store.receipt_series().await?.into_iter().find(|s| s.id == id).ok_or_else(AppError::not_found)?;
    user.require_role_on(&state, &[Role::Administrator], &UnitCode::parse(&series.unit_code)?).await?;
    state.store.retire_receipt_series(&AuditContext::account(user.id(), ip), id).await?;
    Ok(redirect("/admin/receipt-series"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn fee_rows_skip_blanks_and_name_the_bad_row() {
        let rows = fee_rows(&form(&[
            ("rows", "3"),
            ("key_0", "le_phi"),
            ("kind_0", "le_phi"),
            ("name_vi_0", "Lệ phí"),
            ("amount_0", "8.000"),
            ("collect_at_0", "reception"),
            ("before_0", "on"),
            ("kind_1", "phi"),
            ("collect_at_1", "result"),
            ("key_2", "phi_sao"),
            ("kind_2", "phi"),
            ("name_vi_2", "Phí sao"),
            ("amount_2", "3000,5"),
            ("collect_at_2", "result"),
        ]));
        assert_eq!(rows.len(), 3);
        let err = parse_fee_rows(&rows).unwrap_err();
        assert_eq!((err.code, err.en.starts_with("Row 3:")), ("amount_fractional", true));
        let fees = parse_fee_rows(&rows[..2]).unwrap();
        assert_eq!(fees.len(), 1);
        assert_eq!((fees[0].amount_vnd, fees[0].before_processing), (8_000, true));
        let twice = vec![rows[0].clone(), rows[0].clone()];
        assert_eq!(parse_fee_rows(&twice).unwrap_err().code, "fee_key_repeated");
    }
}

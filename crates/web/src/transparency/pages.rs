//! `transparency` pages (`/minh-bach`): the ranking, one unit with its trend, two units side by side, the
//! formulas in words, and CSV downloads of every table. Phone first; every chart has its table.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smartcity_domain::indices::{Indicator, IndicatorUnit};

use super::api::PeriodQuery;
use super::chart::{Bar, bar_chart};
use super::reports::{ReportsTable, UnitReports, hours_text, month_charts, percent_text, reports_table};
use super::{UnitDetail, UnitRow, UnitsTable};
use crate::AppState;
use crate::error::AppResult;
use crate::shell::extract::AppQuery;
use crate::shell::page::{PageContext, render};

/// The indicators a citizen compares at a glance (2.2 is a number of days, shown on the unit page).
pub const HEADLINE: [&str; 5] = ["2.1", "3.3", "4.2", "4.3", "5.4"];

/// `12.5 %`, `3.2 ngày làm việc`, or `N/A`.
fn figure(ctx: &PageContext, i: Option<&Indicator>) -> String {
    match i.and_then(|i| i.value.map(|v| (v, i.unit))) {
        Some((v, IndicatorUnit::Percent)) => format!("{v} %"),
        Some((v, IndicatorUnit::WorkingDays)) => format!("{v} {}", ctx.t("dossiers.working_days")),
        None => "N/A".to_owned(),
    }
}

/// Anchor of an indicator on the formulas page.
fn anchor(id: &str) -> String {
    format!("chi-so-{}", id.replace('.', "-"))
}

#[derive(Template)]
#[template(path = "transparency/overview.html")]
struct OverviewPage {
    ctx: PageContext,
    table: UnitsTable,
    headline: [&'static str; 5],
    reports: ReportsTable,
}

impl OverviewPage {
    fn pct(&self, v: &Option<f64>) -> String {
        percent_text(*v)
    }
    fn hours(&self, v: &Option<f64>) -> String {
        hours_text(&self.ctx, *v)
    }
    /// The city's field-report figures.
    fn city_reports(&self) -> Option<&UnitReports> {
        self.reports.unit(super::CITY)
    }
    /// The units that received reports in the period (the rest would be lines of zeros).
    fn reporting_units(&self) -> Vec<&UnitReports> {
        self.reports.units.iter().filter(|u| u.figures.counts.received > 0).collect()
    }
    fn report_group(&self, u: &UnitReports) -> &'static str {
        group_label(&self.ctx, u.group)
    }
    fn report_charts(&self) -> [String; 2] {
        month_charts(&self.ctx, &self.reports.months)
    }
    fn figure(&self, row: &UnitRow, id: &str) -> String {
        figure(&self.ctx, row.indicator(id))
    }
    fn anchor(&self, id: &str) -> String {
        anchor(id)
    }
    fn heading(&self, id: &str) -> String {
        let name = self
            .table
            .units
            .first()
            .and_then(|r| r.indicator(id))
            .map(|i| self.ctx.pick(&i.name_vi, &i.name_en).to_owned());
        format!("{id} {}", name.unwrap_or_default())
    }
    fn group_label(&self, row: &UnitRow) -> &'static str {
        group_label(&self.ctx, row.group)
    }
}

fn group_label(ctx: &PageContext, group: super::RankGroup) -> &'static str {
    match group {
        super::RankGroup::City => ctx.t("transparency.group_city"),
        super::RankGroup::Commune => ctx.t("transparency.group_commune"),
        super::RankGroup::Agency => ctx.t("transparency.group_agency"),
    }
}

/// `GET /minh-bach?from=&to=`: every unit ranked, with the compare form and the downloads.
pub async fn overview(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let table = super::units_table(&state, &period).await?;
    let reports = reports_table(&state, &period, None).await?;
    Ok(render(&OverviewPage { ctx, table, headline: HEADLINE, reports }))
}

#[derive(Template)]
#[template(path = "transparency/unit.html")]
struct UnitPage {
    ctx: PageContext,
    detail: UnitDetail,
    reports: ReportsTable,
}

impl UnitPage {
    fn pct(&self, v: &Option<f64>) -> String {
        percent_text(*v)
    }
    fn hours(&self, v: &Option<f64>) -> String {
        hours_text(&self.ctx, *v)
    }
    /// This unit's field-report figures (its subtree's reports).
    fn unit_reports(&self) -> Option<&UnitReports> {
        self.reports.unit(&self.reports.scope)
    }
    fn report_charts(&self) -> [String; 2] {
        month_charts(&self.ctx, &self.reports.months)
    }
    fn figure(&self, i: &Indicator) -> String {
        figure(&self.ctx, Some(i))
    }
    fn anchor(&self, id: &str) -> String {
        anchor(id)
    }
    /// The month-by-month chart of one indicator, as inline SVG.
    fn chart(&self, i: &Indicator) -> String {
        let bars: Vec<Bar<'_>> = self
            .detail
            .months
            .iter()
            .map(|m| Bar { label: &m.month, value: m.indicators.iter().find(|x| x.id == i.id).and_then(|x| x.value) })
            .collect();
        let (max, unit) = match i.unit {
            IndicatorUnit::Percent => (100.0, " %"),
            IndicatorUnit::WorkingDays => (bars.iter().filter_map(|b| b.value).fold(1.0_f64, f64::max), ""),
        };
        bar_chart(&format!("{} {}", i.id, self.ctx.pick(&i.name_vi, &i.name_en)), &bars, max, unit)
    }
    fn month_figure(&self, month: &super::MonthRow, id: &str) -> String {
        figure(&self.ctx, month.indicators.iter().find(|x| x.id == id))
    }
}

/// `GET /minh-bach/don-vi/{code}?from=&to=`: one unit, its figures with the counts behind them, and its trend.
pub async fn unit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(code): Path<String>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let detail = super::unit_detail(&state, &code, &period).await?;
    let reports = reports_table(&state, &period, Some(&detail.unit.code)).await?;
    Ok(render(&UnitPage { ctx, detail, reports }))
}

/// Two units and the period to compare them over.
#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    pub a: Option<String>,
    pub b: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Template)]
#[template(path = "transparency/compare.html")]
struct ComparePage {
    ctx: PageContext,
    table: UnitsTable,
    a: Option<UnitRow>,
    b: Option<UnitRow>,
    reports: ReportsTable,
}

impl ComparePage {
    fn pct(&self, v: &Option<f64>) -> String {
        percent_text(*v)
    }
    fn hours(&self, v: &Option<f64>) -> String {
        hours_text(&self.ctx, *v)
    }
    /// The field-report figures of the two units, when both are chosen.
    fn report_pair(&self) -> Option<(&UnitReports, &UnitReports)> {
        let (a, b) = (self.a.as_ref()?, self.b.as_ref()?);
        Some((self.reports.unit(&a.code)?, self.reports.unit(&b.code)?))
    }
    fn figure(&self, row: &UnitRow, id: &str) -> String {
        figure(&self.ctx, row.indicator(id))
    }
    fn counts(&self, row: &UnitRow, id: &str) -> String {
        row.indicator(id).map(|i| format!("{}/{}", i.numerator, i.denominator)).unwrap_or_default()
    }
    fn anchor(&self, id: &str) -> String {
        anchor(id)
    }
    fn selected(&self, which: &Option<UnitRow>, code: &str) -> bool {
        which.as_ref().is_some_and(|r| r.code == code)
    }
    fn ids(&self) -> Vec<(String, String)> {
        self.table
            .units
            .first()
            .map(|r| {
                r.indicators.iter().map(|i| (i.id.clone(), self.ctx.pick(&i.name_vi, &i.name_en).to_owned())).collect()
            })
            .unwrap_or_default()
    }
}

/// `GET /minh-bach/so-sanh?a=&b=&from=&to=`: two units side by side (a ward and its neighbour, say).
pub async fn compare(
    State(state): State<AppState>,
    ctx: PageContext,
    AppQuery(q): AppQuery<CompareQuery>,
) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let table = super::units_table(&state, &period).await?;
    let find =
        |code: &Option<String>| code.as_deref().and_then(|c| table.units.iter().find(|u| u.code == c.trim()).cloned());
    let (a, b) = (find(&q.a), find(&q.b));
    let reports = reports_table(&state, &period, None).await?;
    Ok(render(&ComparePage { ctx, a, b, table, reports }))
}

#[derive(Template)]
#[template(path = "transparency/formulas.html")]
struct FormulasPage {
    ctx: PageContext,
    formulas: Vec<(String, String, String, String)>,
    report_formulas: Vec<(String, String, String)>,
    environment_formulas: Vec<(String, String, String)>,
}

/// `GET /minh-bach/cach-tinh`: how every figure is computed, in words, one anchor per indicator, field-report
/// figure and environment figure.
pub async fn formulas(ctx: PageContext) -> AppResult<Response> {
    let day = chrono::Utc::now();
    let formulas = smartcity_domain::indices::compute_indices(&[], day, day)
        .into_iter()
        .map(|i| {
            let (vi, en) = smartcity_domain::transparency::explanation(&i.id).unwrap_or_default();
            let name = ctx.pick(&i.name_vi, &i.name_en).to_owned();
            let how = ctx.pick(vi, en).to_owned();
            (anchor(&i.id), i.id, name, how)
        })
        .collect();
    let words = |ids: &[&str], explain: fn(&str) -> Option<[&'static str; 4]>| -> Vec<(String, String, String)> {
        ids.iter()
            .filter_map(|id| {
                explain(id).map(|[vi, en, how_vi, how_en]| {
                    ((*id).to_owned(), ctx.pick(vi, en).to_owned(), ctx.pick(how_vi, how_en).to_owned())
                })
            })
            .collect()
    };
    use smartcity_domain::transparency::{environment, reports};
    let report_formulas = words(&reports::FIGURES, reports::explanation);
    let environment_formulas = words(&environment::FIGURES, environment::explanation);
    Ok(render(&FormulasPage { ctx, formulas, report_formulas, environment_formulas }))
}

/// A CSV field: quoted when needed, and never read by a spreadsheet as a formula.
pub(crate) fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

fn csv_number(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// UTF-8 with a byte-order mark so spreadsheet programs show Vietnamese correctly.
pub(crate) fn csv_response(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        format!("\u{feff}{body}"),
    )
        .into_response()
}

/// Columns of one indicator in a CSV line.
fn indicator_columns(i: Option<&Indicator>) -> [String; 4] {
    match i {
        Some(i) => [csv_number(i.value), i.numerator.to_string(), i.denominator.to_string(), csv_number(i.points)],
        None => Default::default(),
    }
}

/// The ranking as CSV: one line per unit, every indicator's value, numerator, denominator and points.
pub fn units_csv_text(table: &UnitsTable) -> String {
    let ids: Vec<String> =
        table.units.first().map(|r| r.indicators.iter().map(|i| i.id.clone()).collect()).unwrap_or_default();
    let mut header = vec!["from", "to", "group", "rank", "unit_code", "name_vi", "name_en", "dossiers", "score"]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for id in &ids {
        for part in ["value", "numerator", "denominator", "points"] {
            header.push(format!("{id}_{part}"));
        }
    }
    let mut out = header.join(",") + "\n";
    for r in &table.units {
        let mut line = vec![
            table.from.clone(),
            table.to.clone(),
            r.group.as_str().to_owned(),
            r.rank.map(|n| n.to_string()).unwrap_or_default(),
            csv_field(&r.code),
            csv_field(&r.name_vi),
            csv_field(&r.name_en),
            r.dossiers.to_string(),
            csv_number(r.score),
        ];
        for id in &ids {
            line.extend(indicator_columns(r.indicator(id)));
        }
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// `GET /minh-bach/don-vi.csv?from=&to=`.
pub async fn units_csv(State(state): State<AppState>, AppQuery(q): AppQuery<PeriodQuery>) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let table = super::units_table(&state, &period).await?;
    Ok(csv_response(&format!("minh-bach-{}-{}.csv", table.from, table.to), units_csv_text(&table)))
}

/// `GET /minh-bach/don-vi/{code}/theo-thang.csv?from=&to=`: one unit's trend, one line per month.
pub async fn unit_csv(
    State(state): State<AppState>,
    Path(code): Path<String>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    let period = super::period(q.from.as_deref(), q.to.as_deref())?;
    let detail = super::unit_detail(&state, &code, &period).await?;
    let ids: Vec<String> = detail.unit.indicators.iter().map(|i| i.id.clone()).collect();
    let mut header = vec!["unit_code".to_owned(), "month".to_owned(), "from".to_owned(), "to".to_owned()];
    for id in &ids {
        for part in ["value", "numerator", "denominator", "points"] {
            header.push(format!("{id}_{part}"));
        }
    }
    let mut out = header.join(",") + "\n";
    for m in &detail.months {
        let mut line = vec![csv_field(&detail.unit.code), m.month.clone(), m.from.clone(), m.to.clone()];
        for id in &ids {
            line.extend(indicator_columns(m.indicators.iter().find(|i| &i.id == id)));
        }
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok(csv_response(&format!("minh-bach-{}-{}-{}.csv", detail.unit.code, detail.from, detail.to), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("Phường Thuận Hóa"), "Phường Thuận Hóa");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}

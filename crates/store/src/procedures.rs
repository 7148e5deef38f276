//! `dossiers` catalogue: versioned administrative procedures. A new version closes the one before
//! it on its effective date; dossiers point at the exact version they were received under.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use smartcity_domain::procedures::{FormField, OnlineLevel, ProcedureLevel, ProcedureStep, RequiredDocument};
use smartcity_domain::text::fold_vietnamese;
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::portal::SearchWrite;
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// One version of a procedure.
#[derive(Debug, Clone, Serialize)]
pub struct Procedure {
    pub id: Uuid,
    /// National TTHC code, e.g. `1.001193`.
    pub code: String,
    pub version: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub name_vi: String,
    pub name_en: String,
    pub field_vi: String,
    pub field_en: String,
    pub level: ProcedureLevel,
    /// Handling unit of a city-level procedure; commune-level ones go to the applicant's ward.
    pub unit_code: Option<String>,
    /// Agency as the catalogue names it (e.g. "UBND cấp xã", "Sở Tư pháp").
    pub agency_vi: String,
    /// Legal processing time in working days (0 = same day).
    pub processing_days: i64,
    pub online_level: OnlineLevel,
    /// Fee in whole đồng.
    pub fee_vnd: i64,
    pub fee_note: String,
    pub legal_basis: Vec<String>,
    pub documents: Vec<RequiredDocument>,
    pub form_fields: Vec<FormField>,
    pub steps: Vec<ProcedureStep>,
    /// Whether the result is (also) a paper document (QĐ 766 indicators 3.3 and 4.1).
    pub paper_result: bool,
    pub created_at: DateTime<Utc>,
}

impl Procedure {
    /// Whether this version is the one in force on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|end| day < end)
    }
}

/// What an administrator (or the demo loader) provides for a new version.
#[derive(Debug, Clone)]
pub struct NewProcedure {
    pub code: String,
    pub valid_from: NaiveDate,
    pub name_vi: String,
    pub name_en: String,
    pub field_vi: String,
    pub field_en: String,
    pub level: ProcedureLevel,
    pub unit_code: Option<String>,
    pub agency_vi: String,
    pub processing_days: i64,
    pub online_level: OnlineLevel,
    pub fee_vnd: i64,
    pub fee_note: String,
    pub legal_basis: Vec<String>,
    pub documents: Vec<RequiredDocument>,
    pub form_fields: Vec<FormField>,
    pub steps: Vec<ProcedureStep>,
    pub paper_result: bool,
}

#[derive(sqlx::FromRow)]
struct ProcedureRow {
    id: Uuid,
    code: String,
    version: i64,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    name_vi: String,
    name_en: String,
    field_vi: String,
    field_en: String,
    level: String,
    unit_code: Option<String>,
    agency_vi: String,
    processing_days: i64,
    online_level: String,
    fee_vnd: i64,
    fee_note: String,
    legal_basis: String,
    documents: String,
    form_fields: String,
    steps: String,
    paper_result: bool,
    created_at: DateTime<Utc>,
}

pub(crate) const PROCEDURE_COLUMNS: &str = "id, code, version, valid_from, valid_to, name_vi, name_en, field_vi, field_en, level, \
     unit_code, agency_vi, processing_days, online_level, fee_vnd, fee_note, legal_basis, documents, form_fields, steps, \
     paper_result, created_at";

fn json_column<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Dump(format!("stored {what} is not valid JSON: {e}")))
}

impl ProcedureRow {
    fn into_procedure(self) -> StoreResult<Procedure> {
        Ok(Procedure {
            id: self.id,
            code: self.code,
            version: self.version,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            name_vi: self.name_vi,
            name_en: self.name_en,
            field_vi: self.field_vi,
            field_en: self.field_en,
            level: ProcedureLevel::parse(&self.level)?,
            unit_code: self.unit_code,
            agency_vi: self.agency_vi,
            processing_days: self.processing_days,
            online_level: OnlineLevel::parse(&self.online_level),
            fee_vnd: self.fee_vnd,
            fee_note: self.fee_note,
            legal_basis: json_column(&self.legal_basis, "legal basis")?,
            documents: json_column(&self.documents, "documents")?,
            form_fields: json_column(&self.form_fields, "form fields")?,
            steps: json_column(&self.steps, "steps")?,
            paper_result: self.paper_result,
            created_at: self.created_at,
        })
    }
}

/// The procedure catalogue's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait ProcedureStore {
    /// Add a version of a procedure; the previous open version ends on the new one's start.
    async fn create_procedure_version(&self, ctx: &AuditContext, new: NewProcedure) -> StoreResult<Procedure>;
    /// One version by id.
    async fn procedure(&self, id: Uuid) -> StoreResult<Option<Procedure>>;
    /// The version of `code` in force on `day`.
    async fn procedure_in_force(&self, code: &str, day: NaiveDate) -> StoreResult<Option<Procedure>>;
    /// Every version of `code`, oldest first.
    async fn procedure_versions(&self, code: &str) -> StoreResult<Vec<Procedure>>;
    /// Versions in force on `day` whose folded name contains `query` (all when empty).
    async fn list_procedures(&self, day: NaiveDate, query: &str) -> StoreResult<Vec<Procedure>>;
}

impl ProcedureStore for Store {
    async fn create_procedure_version(&self, ctx: &AuditContext, new: NewProcedure) -> StoreResult<Procedure> {
        let id = Uuid::now_v7();
        let now = crate::now();
        let folded = fold_vietnamese(&format!("{} {}", new.name_vi, new.code));
        let to_json = |v: serde_json::Result<String>| v.map_err(|e| StoreError::Dump(e.to_string()));
        let legal_basis = to_json(serde_json::to_string(&new.legal_basis))?;
        let documents = to_json(serde_json::to_string(&new.documents))?;
        let form_fields = to_json(serde_json::to_string(&new.form_fields))?;
        let steps = to_json(serde_json::to_string(&new.steps))?;
        in_write_tx!(self, tx => {
            let (last,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM procedures WHERE code = $1")
                .bind(&new.code)
                .fetch_one(&mut *tx)
                .await?;
            let version = last.unwrap_or(0) + 1;
            sqlx::query("UPDATE procedures SET valid_to = $1 WHERE code = $2 AND valid_to IS NULL AND valid_from < $1")
                .bind(new.valid_from)
                .bind(&new.code)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO procedures (id, code, version, valid_from, valid_to, name_vi, name_en, name_folded, field_vi, \
                 field_en, level, unit_code, agency_vi, processing_days, online_level, fee_vnd, fee_note, legal_basis, \
                 documents, form_fields, steps, paper_result, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
            )
            .bind(id)
            .bind(&new.code)
            .bind(version)
            .bind(new.valid_from)
            .bind(&new.name_vi)
            .bind(&new.name_en)
            .bind(&folded)
            .bind(&new.field_vi)
            .bind(&new.field_en)
            .bind(new.level.as_str())
            .bind(new.unit_code.as_deref())
            .bind(&new.agency_vi)
            .bind(new.processing_days)
            .bind(new.online_level.as_str())
            .bind(new.fee_vnd)
            .bind(&new.fee_note)
            .bind(&legal_basis)
            .bind(&documents)
            .bind(&form_fields)
            .bind(&steps)
            .bind(new.paper_result)
            .bind(now)
            .bind(ctx.actor.as_deref())
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "procedure.version_created",
                record_type: "procedure",
                record_id: new.code.clone(),
                details: json!({"version": version, "valid_from": new.valid_from.to_string(), "id": id.to_string()}),
            }).await?;
            // The one search box finds the catalogue; its entry follows the newest version in this transaction.
            let facts = crate::portal::ProcedureFacts {
                code: &new.code,
                name_vi: &new.name_vi,
                name_en: &new.name_en,
                field_vi: &new.field_vi,
                field_en: &new.field_en,
                agency_vi: &new.agency_vi,
                unit_code: new.unit_code.as_deref(),
                legal_basis: &new.legal_basis,
                at: now,
            };
            tx.put_search_document(&facts.search_document()).await?;
        });
        // The catalogue is searched with the portal: kept searches are stale now.
        self.cache.portal_changed();
        self.procedure(id).await?.ok_or(StoreError::NotFound)
    }

    async fn procedure(&self, id: Uuid) -> StoreResult<Option<Procedure>> {
        let sql = format!("SELECT {PROCEDURE_COLUMNS} FROM procedures WHERE id = $1");
        let row: Option<ProcedureRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        row.map(ProcedureRow::into_procedure).transpose()
    }

    async fn procedure_in_force(&self, code: &str, day: NaiveDate) -> StoreResult<Option<Procedure>> {
        let sql = format!(
            "SELECT {PROCEDURE_COLUMNS} FROM procedures WHERE code = $1 AND valid_from <= $2 \
             AND (valid_to IS NULL OR valid_to > $2) ORDER BY version DESC LIMIT 1"
        );
        let row: Option<ProcedureRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code).bind(day).fetch_optional(pool).await?
        });
        row.map(ProcedureRow::into_procedure).transpose()
    }

    async fn procedure_versions(&self, code: &str) -> StoreResult<Vec<Procedure>> {
        let sql = format!("SELECT {PROCEDURE_COLUMNS} FROM procedures WHERE code = $1 ORDER BY version");
        let rows: Vec<ProcedureRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code).fetch_all(pool).await?
        });
        rows.into_iter().map(ProcedureRow::into_procedure).collect()
    }

    async fn list_procedures(&self, day: NaiveDate, query: &str) -> StoreResult<Vec<Procedure>> {
        let sql = format!(
            "SELECT {PROCEDURE_COLUMNS}, name_folded FROM procedures WHERE valid_from <= $1 \
             AND (valid_to IS NULL OR valid_to > $1) ORDER BY level, name_folded"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            procedure: ProcedureRow,
            name_folded: String,
        }
        let rows: Vec<Row> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(day).fetch_all(pool).await?
        });
        // The catalogue is small (hundreds of procedures), so ranking happens here: a procedure
        // matches when at least half of the query's words appear in its folded name or code, and
        // the more words match the higher it ranks — "than khai sinh" still finds "Đăng ký khai sinh".
        let words: Vec<String> = fold_vietnamese(query).split_whitespace().map(str::to_owned).collect();
        let needed = words.len().div_ceil(2);
        let mut ranked: Vec<(usize, Procedure)> = Vec::new();
        for row in rows {
            let hits = words
                .iter()
                .filter(|w| {
                    row.name_folded.split_whitespace().any(|n| n.starts_with(w.as_str()))
                        || row.name_folded.contains(w.as_str()) && w.len() > 3
                })
                .count();
            if hits >= needed {
                ranked.push((hits, row.procedure.into_procedure()?));
            }
        }
        ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
        Ok(ranked.into_iter().map(|(_, p)| p).collect())
    }
}

//! `units`: administrative units (đơn vị hành chính) and agencies as one tree, with the changes
//! that reshape it over time (NQ 1675/NQ-UBTVQH15 replaced 133 communes by 40 on 1 July 2025)
//! and the ward boundaries that answer "which ward contains this point".

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use smartcity_domain::ValidationError;
use smartcity_domain::geo::{Area, GeoPoint};
use smartcity_domain::text::fold_vietnamese;
use smartcity_domain::units::{UnitChangeKind, UnitCode, UnitKind};
use uuid::Uuid;

use crate::audit::{AuditAppend, AuditContext, AuditEvent};
use crate::{Store, StoreError, StoreResult, in_write_tx, on_reader};

/// A unit of the tree: the city, a ward or commune, or an agency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub code: UnitCode,
    pub parent_code: Option<UnitCode>,
    pub kind: UnitKind,
    pub name_vi: String,
    pub name_en: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// First day the unit exists.
    pub valid_from: NaiveDate,
    /// Day the unit ceased to exist (merged or retired), if any; the unit is gone *on* that day.
    pub valid_to: Option<NaiveDate>,
    /// Where its people and records went when it was merged.
    pub successor_code: Option<UnitCode>,
}

impl Unit {
    /// Whether the unit exists on `day`.
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|end| day < end)
    }

    /// Name in the requested language (`en` or anything else for Vietnamese).
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_vi }
    }
}

/// What an administrator fills in to add a unit.
#[derive(Debug, Clone)]
pub struct NewUnit {
    pub code: UnitCode,
    pub parent_code: Option<UnitCode>,
    pub kind: UnitKind,
    pub name_vi: String,
    pub name_en: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub valid_from: NaiveDate,
}

/// One recorded change of the tree, with the day it takes effect.
#[derive(Debug, Clone, Serialize)]
pub struct UnitChange {
    pub id: Uuid,
    pub unit_code: String,
    pub kind: UnitChangeKind,
    pub effective_on: NaiveDate,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    code: String,
    parent_code: Option<String>,
    kind: String,
    name_vi: String,
    name_en: String,
    lat: Option<f64>,
    lon: Option<f64>,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    successor_code: Option<String>,
}

const UNIT_COLUMNS: &str = "code, parent_code, kind, name_vi, name_en, lat, lon, valid_from, valid_to, successor_code";

impl UnitRow {
    fn into_unit(self) -> StoreResult<Unit> {
        let code_of = |s: &str| UnitCode::parse(s).map_err(StoreError::Invalid);
        Ok(Unit {
            code: code_of(&self.code)?,
            parent_code: self.parent_code.as_deref().map(code_of).transpose()?,
            kind: UnitKind::parse(&self.kind)?,
            name_vi: self.name_vi,
            name_en: self.name_en,
            lat: self.lat,
            lon: self.lon,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            successor_code: self.successor_code.as_deref().map(code_of).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: Uuid,
    unit_code: String,
    kind: String,
    effective_on: NaiveDate,
    details: String,
    recorded_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct BoundaryRow {
    unit_code: String,
    geometry: String,
}

/// The units capability's storage contract.
#[expect(async_fn_in_trait, reason = "used on the concrete Store only; futures stay Send")]
pub trait UnitStore {
    /// Add a unit under an existing parent.
    async fn create_unit(&self, ctx: &AuditContext, unit: NewUnit) -> StoreResult<Unit>;
    /// Give a unit a new name from `effective_on`; the old name stays in its change history.
    async fn rename_unit(
        &self,
        ctx: &AuditContext,
        code: &UnitCode,
        name_vi: &str,
        name_en: &str,
        effective_on: NaiveDate,
    ) -> StoreResult<Unit>;
    /// Merge `sources` into `target` on `effective_on`: the sources end that day and point at
    /// the target, so points inside their old boundaries resolve to the target.
    async fn merge_units(
        &self,
        ctx: &AuditContext,
        sources: &[UnitCode],
        target: &UnitCode,
        effective_on: NaiveDate,
    ) -> StoreResult<()>;
    /// End a unit on `effective_on` without a successor.
    async fn retire_unit(&self, ctx: &AuditContext, code: &UnitCode, effective_on: NaiveDate) -> StoreResult<Unit>;
    /// Store (or replace) a unit's boundary.
    async fn set_unit_boundary(&self, ctx: &AuditContext, code: &UnitCode, area: &Area) -> StoreResult<()>;
    /// One unit by code.
    async fn unit(&self, code: &UnitCode) -> StoreResult<Option<Unit>>;
    /// Every unit, active or not, ordered by kind then folded name.
    async fn list_units(&self) -> StoreResult<Vec<Unit>>;
    /// The unit itself followed by its parent, grandparent… up to the root.
    async fn unit_ancestors(&self, code: &UnitCode) -> StoreResult<Vec<UnitCode>>;
    /// History of a unit's changes, oldest first.
    async fn unit_changes(&self, code: &UnitCode) -> StoreResult<Vec<UnitChange>>;
    /// The ward or commune whose boundary contains `point` on `day` (following merges).
    async fn locate_unit(&self, point: GeoPoint, day: NaiveDate) -> StoreResult<Option<Unit>>;
    /// A unit's boundary, if one is stored.
    async fn unit_boundary(&self, code: &UnitCode) -> StoreResult<Option<Area>>;
}

fn unknown_unit(code: &UnitCode) -> StoreError {
    StoreError::Invalid(ValidationError::new(
        "unit_code",
        "unit_not_found",
        format!("Không có đơn vị mã {code}. Hãy chọn một đơn vị trong danh sách."),
        format!("There is no unit with code {code}. Choose a unit from the list."),
    ))
}

impl UnitStore for Store {
    async fn create_unit(&self, ctx: &AuditContext, unit: NewUnit) -> StoreResult<Unit> {
        if let Some(parent) = &unit.parent_code
            && self.unit(parent).await?.is_none()
        {
            return Err(unknown_unit(parent));
        }
        let now = crate::now();
        let folded = fold_vietnamese(&unit.name_vi);
        in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO units (code, parent_code, kind, name_vi, name_en, name_folded, lat, lon, \
                 valid_from, valid_to, successor_code, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, $10, $10)",
            )
            .bind(unit.code.as_str())
            .bind(unit.parent_code.as_ref().map(|c| c.as_str()))
            .bind(unit.kind.as_str())
            .bind(&unit.name_vi)
            .bind(&unit.name_en)
            .bind(&folded)
            .bind(unit.lat)
            .bind(unit.lon)
            .bind(unit.valid_from)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let details = json!({"name_vi": unit.name_vi, "kind": unit.kind.as_str(),
                                 "parent": unit.parent_code.as_ref().map(|c| c.as_str())});
            record_change(&mut *tx, ctx, &unit.code, UnitChangeKind::Created, unit.valid_from, details).await?;
        });
        self.unit(&unit.code).await?.ok_or(StoreError::NotFound)
    }

    async fn rename_unit(
        &self,
        ctx: &AuditContext,
        code: &UnitCode,
        name_vi: &str,
        name_en: &str,
        effective_on: NaiveDate,
    ) -> StoreResult<Unit> {
        let before = self.unit(code).await?.ok_or_else(|| unknown_unit(code))?;
        in_write_tx!(self, tx => {
            sqlx::query("UPDATE units SET name_vi = $1, name_en = $2, name_folded = $3, updated_at = $4 WHERE code = $5")
                .bind(name_vi)
                .bind(name_en)
                .bind(fold_vietnamese(name_vi))
                .bind(crate::now())
                .bind(code.as_str())
                .execute(&mut *tx)
                .await?;
            let details = json!({"from_vi": before.name_vi, "from_en": before.name_en,
                                 "to_vi": name_vi, "to_en": name_en});
            record_change(&mut *tx, ctx, code, UnitChangeKind::Renamed, effective_on, details).await?;
        });
        self.unit(code).await?.ok_or(StoreError::NotFound)
    }

    async fn merge_units(
        &self,
        ctx: &AuditContext,
        sources: &[UnitCode],
        target: &UnitCode,
        effective_on: NaiveDate,
    ) -> StoreResult<()> {
        let target_unit = self.unit(target).await?.ok_or_else(|| unknown_unit(target))?;
        if !target_unit.is_active_on(effective_on) {
            return Err(StoreError::Invalid(ValidationError::new(
                "target",
                "unit_merge_target_inactive",
                "Đơn vị nhận sáp nhập không còn hoạt động vào ngày hiệu lực.",
                "The unit to merge into is not active on the effective date.",
            )));
        }
        for source in sources {
            if source == target {
                return Err(StoreError::Invalid(ValidationError::new(
                    "sources",
                    "unit_merge_into_itself",
                    "Không thể sáp nhập một đơn vị vào chính nó.",
                    "A unit cannot be merged into itself.",
                )));
            }
            let unit = self.unit(source).await?.ok_or_else(|| unknown_unit(source))?;
            if unit.valid_to.is_some() {
                return Err(StoreError::Invalid(ValidationError::new(
                    "sources",
                    "unit_already_ended",
                    format!("Đơn vị {} đã được sáp nhập hoặc giải thể.", unit.name_vi),
                    format!("Unit {} has already been merged or retired.", unit.name_en),
                )));
            }
        }
        let now = crate::now();
        in_write_tx!(self, tx => {
            for source in sources {
                sqlx::query("UPDATE units SET valid_to = $1, successor_code = $2, updated_at = $3 WHERE code = $4")
                    .bind(effective_on)
                    .bind(target.as_str())
                    .bind(now)
                    .bind(source.as_str())
                    .execute(&mut *tx)
                    .await?;
                record_change(&mut *tx, ctx, source, UnitChangeKind::Merged, effective_on,
                              json!({"into": target.as_str()})).await?;
            }
        });
        Ok(())
    }

    async fn retire_unit(&self, ctx: &AuditContext, code: &UnitCode, effective_on: NaiveDate) -> StoreResult<Unit> {
        let unit = self.unit(code).await?.ok_or_else(|| unknown_unit(code))?;
        if unit.valid_to.is_some() {
            return Err(StoreError::Invalid(ValidationError::new(
                "code",
                "unit_already_ended",
                format!("Đơn vị {} đã được sáp nhập hoặc giải thể.", unit.name_vi),
                format!("Unit {} has already been merged or retired.", unit.name_en),
            )));
        }
        in_write_tx!(self, tx => {
            sqlx::query("UPDATE units SET valid_to = $1, updated_at = $2 WHERE code = $3")
                .bind(effective_on)
                .bind(crate::now())
                .bind(code.as_str())
                .execute(&mut *tx)
                .await?;
            record_change(&mut *tx, ctx, code, UnitChangeKind::Retired, effective_on, json!({})).await?;
        });
        self.unit(code).await?.ok_or(StoreError::NotFound)
    }

    async fn set_unit_boundary(&self, ctx: &AuditContext, code: &UnitCode, area: &Area) -> StoreResult<()> {
        if self.unit(code).await?.is_none() {
            return Err(unknown_unit(code));
        }
        let bbox = area.bbox();
        let geometry = area.to_geojson_geometry().to_string();
        in_write_tx!(self, tx => {
            sqlx::query("DELETE FROM unit_boundaries WHERE unit_code = $1")
                .bind(code.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO unit_boundaries (unit_code, geometry, min_lat, min_lon, max_lat, max_lon) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(code.as_str())
            .bind(&geometry)
            .bind(bbox.min_lat)
            .bind(bbox.min_lon)
            .bind(bbox.max_lat)
            .bind(bbox.max_lon)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(ctx, AuditEvent {
                action: "unit.boundary_set",
                record_type: "unit",
                record_id: code.to_string(),
                details: json!({"bbox": [bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat]}),
            }).await?;
        });
        Ok(())
    }

    async fn unit(&self, code: &UnitCode) -> StoreResult<Option<Unit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE code = $1");
        let row: Option<UnitRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code.as_str()).fetch_optional(pool).await?
        });
        row.map(UnitRow::into_unit).transpose()
    }

    async fn list_units(&self) -> StoreResult<Vec<Unit>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units ORDER BY \
             CASE kind WHEN 'city' THEN 0 WHEN 'agency' THEN 1 WHEN 'ward' THEN 2 ELSE 3 END, name_folded"
        );
        let rows: Vec<UnitRow> = on_reader!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
        });
        rows.into_iter().map(UnitRow::into_unit).collect()
    }

    async fn unit_ancestors(&self, code: &UnitCode) -> StoreResult<Vec<UnitCode>> {
        let rows: Vec<(String, i64)> = on_reader!(self, pool => {
            sqlx::query_as(
                "WITH RECURSIVE up(code, parent_code, depth) AS ( \
                   SELECT code, parent_code, CAST(0 AS BIGINT) FROM units WHERE code = $1 \
                   UNION ALL \
                   SELECT u.code, u.parent_code, up.depth + 1 FROM units u JOIN up ON u.code = up.parent_code \
                   WHERE up.depth < 32 \
                 ) SELECT code, depth FROM up ORDER BY depth",
            )
            .bind(code.as_str())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(|(code, _)| UnitCode::parse(&code).map_err(StoreError::Invalid)).collect()
    }

    async fn unit_changes(&self, code: &UnitCode) -> StoreResult<Vec<UnitChange>> {
        let rows: Vec<ChangeRow> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, unit_code, kind, effective_on, details, recorded_at FROM unit_changes \
                 WHERE unit_code = $1 ORDER BY recorded_at, id",
            )
            .bind(code.as_str())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|row| {
                Ok(UnitChange {
                    id: row.id,
                    unit_code: row.unit_code,
                    kind: UnitChangeKind::parse(&row.kind)?,
                    effective_on: row.effective_on,
                    details: serde_json::from_str(&row.details).unwrap_or_default(),
                    recorded_at: row.recorded_at,
                })
            })
            .collect()
    }

    async fn locate_unit(&self, point: GeoPoint, day: NaiveDate) -> StoreResult<Option<Unit>> {
        // The bounding-box columns narrow the search in SQL; the exact polygon test runs in the
        // domain crate so both engines answer identically without a spatial extension.
        let candidates: Vec<BoundaryRow> = on_reader!(self, pool => {
            sqlx::query_as(
                "SELECT unit_code, geometry FROM unit_boundaries \
                 WHERE min_lat <= $1 AND max_lat >= $1 AND min_lon <= $2 AND max_lon >= $2 ORDER BY unit_code",
            )
            .bind(point.lat)
            .bind(point.lon)
            .fetch_all(pool)
            .await?
        });
        let mut found = Vec::new();
        for row in candidates {
            let value: serde_json::Value = serde_json::from_str(&row.geometry).unwrap_or_default();
            let Ok(area) = Area::from_geojson_geometry(&value) else { continue };
            if area.contains(point) {
                found.push(row.unit_code);
            }
        }
        // Prefer a boundary of a unit still active; otherwise follow its successors.
        let mut fallback = None;
        for code in found {
            let Some(unit) = self.unit(&UnitCode::parse(&code)?).await? else { continue };
            if unit.is_active_on(day) {
                return Ok(Some(unit));
            }
            fallback.get_or_insert(unit);
        }
        let mut current = fallback;
        for _ in 0..16 {
            match current {
                Some(unit) if !unit.is_active_on(day) => match &unit.successor_code {
                    Some(next) => current = self.unit(next).await?,
                    None => return Ok(None),
                },
                other => return Ok(other),
            }
        }
        Ok(None)
    }

    async fn unit_boundary(&self, code: &UnitCode) -> StoreResult<Option<Area>> {
        let geometry: Option<(String,)> = on_reader!(self, pool => {
            sqlx::query_as("SELECT geometry FROM unit_boundaries WHERE unit_code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await?
        });
        match geometry {
            None => Ok(None),
            Some((text,)) => {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                Ok(Some(Area::from_geojson_geometry(&value)?))
            }
        }
    }
}

/// Insert a `unit_changes` row and its audit record inside the caller's transaction.
async fn record_change<C>(
    conn: &mut C,
    ctx: &AuditContext,
    code: &UnitCode,
    kind: UnitChangeKind,
    effective_on: NaiveDate,
    details: serde_json::Value,
) -> StoreResult<()>
where
    C: UnitChangeWriter + AuditAppend,
{
    conn.insert_unit_change(code, kind, effective_on, &details).await?;
    conn.append_audit(
        ctx,
        AuditEvent {
            action: match kind {
                UnitChangeKind::Created => "unit.created",
                UnitChangeKind::Renamed => "unit.renamed",
                UnitChangeKind::Merged => "unit.merged",
                UnitChangeKind::Retired => "unit.retired",
            },
            record_type: "unit",
            record_id: code.to_string(),
            details: json!({"effective_on": effective_on.to_string(), "change": details}),
        },
    )
    .await?;
    Ok(())
}

pub(crate) trait UnitChangeWriter {
    async fn insert_unit_change(
        &mut self,
        code: &UnitCode,
        kind: UnitChangeKind,
        effective_on: NaiveDate,
        details: &serde_json::Value,
    ) -> StoreResult<()>;
}

crate::impl_for_connections!(impl UnitChangeWriter {
    async fn insert_unit_change(
        &mut self,
        code: &UnitCode,
        kind: UnitChangeKind,
        effective_on: NaiveDate,
        details: &serde_json::Value,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO unit_changes (id, unit_code, kind, effective_on, details, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(code.as_str())
        .bind(kind.as_str())
        .bind(effective_on)
        .bind(details.to_string())
        .bind(crate::now())
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

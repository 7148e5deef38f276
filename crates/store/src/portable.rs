//! A portable dump of a whole installation, to move it between SQLite and PostgreSQL (either way)
//! with nothing lost: every table, rows as typed JSON, the audit chain verbatim so it still
//! verifies after the move. Import writes into an empty database in one transaction, so a broken
//! dump changes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::AuditRow;
use crate::{Backend, Store, StoreError, StoreResult, in_write_tx, on_reader};

/// File contents in a dump: base64 text in JSON, bytes in the database.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::Type)]
#[sqlx(transparent)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use base64::Engine;
        let text = String::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD.decode(text).map(Bytes).map_err(serde::de::Error::custom)
    }
}

/// Marker written at the top of every dump.
pub const DUMP_FORMAT: &str = "smartcity-dump";

macro_rules! portable_tables {
    ($( $table:ident : $row:ident order $order:literal { $($field:ident : $ty:ty),* $(,)? } )*) => {
        $(
            /// One row of the table of the same name, as carried in a dump.
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
            pub struct $row { $(pub $field: $ty),* }
        )*

        /// Every table's rows.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct Tables { $(pub $table: Vec<$row>),* }

        impl Tables {
            /// Number of rows per table, in dump order.
            pub fn counts(&self) -> Vec<(&'static str, usize)> {
                vec![$((stringify!($table), self.$table.len())),*]
            }
        }

        impl Store {
            async fn read_tables(&self) -> StoreResult<Tables> {
                let mut tables = Tables::default();
                $(
                    let sql = format!(
                        "SELECT {} FROM {} ORDER BY {}",
                        stringify!($($field),*), stringify!($table), $order
                    );
                    tables.$table = on_reader!(self, pool => {
                        sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?
                    });
                )*
                Ok(tables)
            }

            async fn write_tables(&self, tables: &Tables) -> StoreResult<()> {
                in_write_tx!(self, tx => {
                    let tables_in_db: &[&str] = &[$(stringify!($table)),*];
                    for table in tables_in_db {
                        let sql = format!("SELECT COUNT(*) FROM {table}");
                        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *tx).await?;
                        if n > 0 {
                            return Err(StoreError::Dump(format!(
                                "the target database is not empty (table {table} has {n} rows); import into a fresh one"
                            )));
                        }
                    }
                    $(
                        let columns = [$(stringify!($field)),*];
                        let placeholders = (1..=columns.len()).map(|i| format!("${i}")).collect::<Vec<_>>();
                        let sql = format!(
                            "INSERT INTO {} ({}) VALUES ({})",
                            stringify!($table), columns.join(", "), placeholders.join(", ")
                        );
                        for row in &tables.$table {
                            let query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                            $(let query = query.bind(row.$field.clone());)*
                            query.execute(&mut *tx).await?;
                        }
                    )*
                    // Derived read columns are not carried in a dump; they are rebuilt from the rows just written.
                    let media = crate::reports::media_refresh_sql(self.backend());
                    sqlx::query(sqlx::AssertSqlSafe(media)).execute(&mut *tx).await?;
                });
                self.cache.everything_changed();
                Ok(())
            }
        }
    };
}

portable_tables! {
    units: UnitDumpRow order "code" {
        code: String, parent_code: Option<String>, kind: String, name_vi: String, name_en: String,
        name_folded: String, lat: Option<f64>, lon: Option<f64>, valid_from: NaiveDate,
        valid_to: Option<NaiveDate>, successor_code: Option<String>,
        created_at: DateTime<Utc>, updated_at: DateTime<Utc>,
    }
    unit_changes: UnitChangeDumpRow order "id" {
        id: Uuid, unit_code: String, kind: String, effective_on: NaiveDate, details: String,
        recorded_at: DateTime<Utc>,
    }
    unit_boundaries: UnitBoundaryDumpRow order "unit_code" {
        unit_code: String, geometry: String, min_lat: f64, min_lon: f64, max_lat: f64, max_lon: f64,
    }
    accounts: AccountDumpRow order "id" {
        id: Uuid, kind: String, display_name: String, name_folded: String, email: Option<String>, phone: Option<String>,
        citizen_id: Option<String>, password_hash: String, active: bool,
        created_at: DateTime<Utc>, updated_at: DateTime<Utc>,
    }
    organisations: OrganisationDumpRow order "tax_code" {
        tax_code: String, name: String, address: String, representative_id: Uuid, created_at: DateTime<Utc>,
    }
    role_grants: RoleGrantDumpRow order "id" {
        id: Uuid, account_id: Uuid, role: String, unit_code: String, granted_by: Option<Uuid>,
        granted_at: DateTime<Utc>,
    }
    sessions: SessionDumpRow order "id_hash" {
        id_hash: String, account_id: Uuid, csrf_token: String, created_at: DateTime<Utc>,
        last_seen_at: DateTime<Utc>, expires_at: DateTime<Utc>, ip: Option<String>, user_agent: Option<String>,
    }
    api_tokens: ApiTokenDumpRow order "id" {
        id: Uuid, account_id: Uuid, name: String, token_hash: String, prefix: String,
        created_at: DateTime<Utc>, last_used_at: Option<DateTime<Utc>>, revoked_at: Option<DateTime<Utc>>,
    }
    ecards: ECardDumpRow order "id" {
        id: Uuid, card_number: String, qr_token: String, account_id: Uuid, status: String,
        issued_at: DateTime<Utc>, issued_by: Option<Uuid>, revoked_at: Option<DateTime<Utc>>,
        revoked_by: Option<Uuid>, revoke_reason: Option<String>,
    }
    procedures: ProcedureDumpRow order "id" {
        id: Uuid, code: String, version: i64, valid_from: NaiveDate, valid_to: Option<NaiveDate>, name_vi: String,
        name_en: String, name_folded: String, field_vi: String, field_en: String, level: String,
        unit_code: Option<String>, agency_vi: String, processing_days: i64, online_level: String, fee_vnd: i64,
        fee_note: String, legal_basis: String, documents: String, form_fields: String, steps: String,
        paper_result: bool, created_at: DateTime<Utc>, created_by: Option<String>,
    }
    blobs: BlobDumpRow order "sha256" {
        sha256: String, content_type: String, size: i64, bytes: Bytes, created_at: DateTime<Utc>,
    }
    dossiers: DossierDumpRow order "id" {
        id: Uuid, code: String, procedure_id: Uuid, procedure_code: String, unit_code: String,
        current_unit_code: String, applicant_id: Option<Uuid>, applicant_name: String, applicant_folded: String,
        applicant_citizen_id: Option<String>, applicant_kind: i64, applicant_tax_code: Option<String>,
        applicant_contact: String, channel: i64, status: i64, status_before_pause: Option<i64>, form_data: String,
        received_at: DateTime<Utc>, accepted_at: Option<DateTime<Utc>>, due_at: Option<DateTime<Utc>>,
        original_due_at: Option<DateTime<Utc>>, finished_at: Option<DateTime<Utc>>, returned_at: Option<DateTime<Utc>>,
        supplement_requests: i64, supplement_due_at: Option<DateTime<Utc>>, paused_at: Option<DateTime<Utc>>,
        paused_seconds: i64, current_step: i64, step_started_at: Option<DateTime<Utc>>, has_e_result: bool,
        reused_documents: bool, rating: Option<String>, rating_comment: Option<String>, rated_at: Option<DateTime<Utc>>,
        created_by: Option<Uuid>, updated_at: DateTime<Utc>,
    }
    dossier_events: DossierEventDumpRow order "id" {
        id: Uuid, dossier_id: Uuid, at: DateTime<Utc>, action: String, from_status: Option<i64>, to_status: i64,
        actor_id: Option<Uuid>, actor_name: String, from_unit: Option<String>, to_unit: Option<String>, step: i64,
        step_deadline: Option<DateTime<Utc>>, form: Option<String>, note: String, details: String,
    }
    dossier_documents: DossierDocumentDumpRow order "id" {
        id: Uuid, dossier_id: Uuid, document_key: String, purpose: String, sha256: String, file_name: String,
        content_type: String, size: i64, copy_kind: i64, reused_from: Option<Uuid>, uploaded_at: DateTime<Utc>,
        uploaded_by: Option<Uuid>,
    }
    personal_documents: PersonalDocumentDumpRow order "id" {
        id: Uuid, account_id: Uuid, kind: String, title: String, sha256: String, file_name: String,
        content_type: String, size: i64, source_dossier_id: Option<Uuid>, created_at: DateTime<Utc>,
    }
    dossier_counters: DossierCounterDumpRow order "agency_code, day" {
        agency_code: String, day: NaiveDate, last_seq: i64,
    }
    idempotency_keys: IdempotencyKeyDumpRow order "account_id, key" {
        account_id: Uuid, key: String, dossier_id: Uuid, created_at: DateTime<Utc>,
    }
    outbox: OutboxDumpRow order "id" {
        id: Uuid, topic: String, payload: String, created_at: DateTime<Utc>, delivered_at: Option<DateTime<Utc>>,
        attempts: i64,
    }
    mail_outbox: MailDumpRow order "id" {
        id: Uuid, to_address: String, subject: String, body: String, created_at: DateTime<Utc>,
        sent_at: Option<DateTime<Utc>>, failed_at: Option<DateTime<Utc>>, failure: Option<String>,
    }
    holiday_adjustments: HolidayAdjustmentDumpRow order "day" {
        day: NaiveDate, kind: String, reason: String, created_at: DateTime<Utc>,
    }
    report_categories: ReportCategoryDumpRow order "code" {
        code: String, name_vi: String, name_en: String, examples_vi: String, agency_kind: String,
        deadline_days: i64, process: String, active: bool, created_at: DateTime<Utc>, updated_at: DateTime<Utc>,
    }
    open311_api_keys: Open311ApiKeyDumpRow order "id" {
        id: Uuid, name: String, key_hash: String, created_at: DateTime<Utc>, revoked_at: Option<DateTime<Utc>>,
        last_used_at: Option<DateTime<Utc>>,
    }
    reports: ReportDumpRow order "id" {
        id: Uuid, service_code: String, description: String, lat: f64, lon: f64, address: Option<String>,
        ward_code: Option<String>, handling_unit_code: Option<String>, status: String,
        reporter_account_id: Option<Uuid>, reporter_name: Option<String>, reporter_email: Option<String>,
        reporter_phone: Option<String>, api_key_id: Option<Uuid>, due_at: Option<DateTime<Utc>>,
        answered_at: Option<DateTime<Utc>>, answer: Option<String>, rating: Option<String>,
        duplicate_of: Option<Uuid>, created_at: DateTime<Utc>, updated_at: DateTime<Utc>,
    }
    report_events: ReportEventDumpRow order "id" {
        id: Uuid, report_id: Uuid, at: DateTime<Utc>, action: String, from_status: Option<String>, to_status: String,
        actor_id: Option<Uuid>, from_unit: Option<String>, to_unit: Option<String>, public_note: String,
        details: String,
    }
    report_photos: ReportPhotoDumpRow order "id" {
        id: Uuid, report_id: Uuid, purpose: String, sha256: String, content_type: String, size: i64,
        created_at: DateTime<Utc>,
    }
    procedure_fees: ProcedureFeeDumpRow order "procedure_id, fee_key" {
        procedure_id: Uuid, fee_key: String, kind: String, name_vi: String, name_en: String, amount_vnd: i64,
        collect_at: String, before_processing: bool, position: i64,
    }
    fee_exemptions: FeeExemptionDumpRow order "dossier_id, fee_key" {
        dossier_id: Uuid, fee_key: String, reason: String, approved_by: String, created_by: Option<Uuid>,
        created_at: DateTime<Utc>,
    }
    receipt_series: ReceiptSeriesDumpRow order "id" {
        id: Uuid, unit_code: String, template_symbol: String, series_symbol: String, slug: String,
        collector_name: String, collector_tax_code: String, last_number: i64, active: bool, created_at: DateTime<Utc>,
    }
    payments: PaymentDumpRow order "id" {
        id: Uuid, dossier_id: Uuid, fee_key: String, fee_kind: String, fee_name_vi: String, fee_name_en: String,
        amount_vnd: i64, method: String, status: String, txn_ref: String, gateway_txn_no: Option<String>,
        bank_code: Option<String>, payer_name: String, created_by: Option<Uuid>, created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>, paid_at: Option<DateTime<Utc>>, updated_at: DateTime<Utc>,
    }
    payment_events: PaymentEventDumpRow order "id" {
        id: Uuid, payment_id: Uuid, at: DateTime<Utc>, kind: String, from_status: Option<String>, to_status: String,
        rsp_code: Option<String>, details: String,
    }
    receipts: ReceiptDumpRow order "id" {
        id: Uuid, series_id: Uuid, number: i64, kind: String, original_id: Option<Uuid>, payment_id: Uuid,
        dossier_id: Uuid, dossier_code: String, template_symbol: String, series_symbol: String, collector_unit: String,
        collector_name: String, collector_tax_code: String, payer_name: String, payer_id_number: Option<String>,
        fee_kind: String, fee_name_vi: String, fee_name_en: String, procedure_name: String, amount_vnd: i64,
        amount_words: String, method: String, issued_at: DateTime<Utc>, issued_by_name: String,
        verification_code: String, note: String,
    }
    refunds: RefundDumpRow order "id" {
        id: Uuid, payment_id: Uuid, amount_vnd: i64, reason: String, approved_by: String, receipt_id: Uuid,
        created_by: Option<Uuid>, created_at: DateTime<Utc>,
    }
    report_agencies: ReportAgencyDumpRow order "agency_kind" {
        agency_kind: String, unit_code: String, updated_at: DateTime<Utc>,
    }
    report_submissions: ReportSubmissionDumpRow order "idempotency_key" {
        idempotency_key: String, report_id: Option<Uuid>, created_at: DateTime<Utc>,
    }
    report_supports: ReportSupportDumpRow order "report_id, supporter" {
        report_id: Uuid, supporter: String, created_at: DateTime<Utc>,
    }
    report_reminders: ReportReminderDumpRow order "report_id, kind, due_at" {
        report_id: Uuid, kind: String, due_at: DateTime<Utc>, sent_at: DateTime<Utc>,
    }
    portal_sites: PortalSiteDumpRow order "unit_code" {
        unit_code: String, slug: String, menu: String, banner_vi: String, banner_en: String, settings: String,
        created_at: DateTime<Utc>, updated_at: DateTime<Utc>,
    }
    portal_articles: PortalArticleDumpRow order "id" {
        id: Uuid, unit_code: String, kind: String, page_key: String, title_vi: String, title_en: String,
        summary_vi: String, summary_en: String, body_vi: String, body_en: String, status: String,
        publish_at: Option<DateTime<Utc>>, return_comment: Option<String>, doc_number: Option<String>,
        doc_issued_on: Option<NaiveDate>, doc_issuer: Option<String>, doc_field: Option<String>,
        doc_effective_from: Option<NaiveDate>, doc_expires_on: Option<NaiveDate>, attachment_sha256: Option<String>,
        image_sha256: Option<String>, event_starts_at: Option<DateTime<Utc>>, event_place: Option<String>,
        lat: Option<f64>, lon: Option<f64>, opening_hours_vi: Option<String>, opening_hours_en: Option<String>,
        syndicated: bool, proposal: String, author_id: Option<Uuid>, created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    }
    portal_revisions: PortalRevisionDumpRow order "id" {
        id: Uuid, article_id: Uuid, number: i64, author_id: Option<Uuid>, saved_at: DateTime<Utc>, title: String,
        body: String,
    }
    portal_questions: PortalQuestionDumpRow order "id" {
        id: Uuid, unit_code: String, asker_id: Uuid, asker_initials: String, title: String, body: String,
        asked_at: DateTime<Utc>, due_at: DateTime<Utc>, answer: Option<String>, answered_at: Option<DateTime<Utc>>,
        answered_by: Option<Uuid>,
    }
    portal_warnings: PortalWarningDumpRow order "id" {
        id: Uuid, kind: String, severity: String, area_wards: String, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>,
        headline_vi: String, headline_en: String, description_vi: String, description_en: String,
        cancelled_at: Option<DateTime<Utc>>, created_by: Option<Uuid>, created_at: DateTime<Utc>,
    }
    portal_warning_subscriptions: PortalSubscriptionDumpRow order "account_id, ward_code" {
        account_id: Uuid, ward_code: String, created_at: DateTime<Utc>,
    }
    // Derived from the content, but carried so an imported installation finds the same without a rebuild; the
    // SQLite rowid and FTS5 rows and the PostgreSQL tsvector are rebuilt by the target on insert.
    search_documents: SearchDocumentDumpRow order "doc_key" {
        doc_key: String, kind: String, unit_code: Option<String>, title_vi: String, title_en: String, excerpt: String,
        url: String, title_folded: String, body_folded: String, published_at: DateTime<Utc>,
    }
    sta_things: StaThingDumpRow order "id" {
        id: i64, name: String, description: String, properties: Option<String>,
    }
    sta_locations: StaLocationDumpRow order "id" {
        id: i64, name: String, description: String, encoding_type: String, location: String,
        properties: Option<String>,
    }
    sta_thing_locations: StaThingLocationDumpRow order "thing_id, location_id" {
        thing_id: i64, location_id: i64,
    }
    sta_historical_locations: StaHistoricalLocationDumpRow order "id" {
        id: i64, thing_id: i64, time: i64,
    }
    sta_historical_location_locations: StaHistoricalLocationLocationDumpRow order "historical_location_id, location_id" {
        historical_location_id: i64, location_id: i64,
    }
    sta_sensors: StaSensorDumpRow order "id" {
        id: i64, name: String, description: String, encoding_type: String, metadata: String,
        properties: Option<String>,
    }
    sta_observed_properties: StaObservedPropertyDumpRow order "id" {
        id: i64, name: String, definition: String, description: String, properties: Option<String>,
    }
    sta_datastreams: StaDatastreamDumpRow order "id" {
        id: i64, name: String, description: String, unit_of_measurement: String, observation_type: String,
        observed_area: Option<String>, properties: Option<String>, thing_id: i64, sensor_id: i64,
        observed_property_id: i64,
    }
    sta_features: StaFeatureDumpRow order "id" {
        id: i64, name: String, description: String, encoding_type: String, feature: String,
        properties: Option<String>, from_location_id: Option<i64>,
    }
    sta_observations: StaObservationDumpRow order "id" {
        id: i64, datastream_id: i64, phenomenon_time: i64, phenomenon_time_end: Option<i64>,
        result_number: Option<f64>, result_text: Option<String>, result_json: Option<String>,
        result_time: Option<i64>, result_quality: Option<String>, valid_time: Option<String>,
        parameters: Option<String>, feature_id: Option<i64>, dedup_key: Option<String>,
    }
    alarms: AlarmDumpRow order "id" {
        id: Uuid, originator: String, originator_name: String, alarm_type: String, severity: String,
        acknowledged: bool, cleared: bool, start_ts: DateTime<Utc>, end_ts: DateTime<Utc>,
        ack_ts: Option<DateTime<Utc>>, clear_ts: Option<DateTime<Utc>>, assignee: Option<String>,
        assign_ts: Option<DateTime<Utc>>, details: String, updated_at: DateTime<Utc>,
    }
    alarm_events: AlarmEventDumpRow order "id" {
        id: Uuid, alarm_id: Uuid, at: DateTime<Utc>, action: String, actor: Option<String>, comment: String,
        details: String,
    }
    sop_steps: SopStepDumpRow order "id" {
        id: Uuid, alarm_type: String, position: i32, text_vi: String, text_en: String,
        retired_at: Option<DateTime<Utc>>,
    }
    alarm_sop_ticks: AlarmSopTickDumpRow order "alarm_id, step_id" {
        alarm_id: Uuid, step_id: Uuid, ticked_by: Option<Uuid>, ticked_at: DateTime<Utc>,
    }
    alarm_rules: AlarmRuleDumpRow order "code" {
        code: String, definition: String, updated_at: DateTime<Utc>,
    }
    river_gauge_levels: RiverGaugeLevelsDumpRow order "gauge_id" {
        gauge_id: String, bd1_m: f64, bd2_m: f64, bd3_m: f64, updated_at: DateTime<Utc>,
    }
    audit_log: AuditDumpRow order "seq" {
        seq: i64, at: DateTime<Utc>, actor: Option<String>, action: String, record_type: String,
        record_id: String, ip: Option<String>, details: String, prev_hash: String, hash: String,
    }
}

/// A whole installation in one JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dump {
    /// Always [`DUMP_FORMAT`].
    pub format: String,
    /// Newest migration version of the schema the rows belong to.
    pub schema_version: i64,
    /// Engine the dump was taken from (informational).
    pub source_backend: String,
    pub exported_at: DateTime<Utc>,
    pub tables: Tables,
}

impl Store {
    /// Read every table into a dump.
    pub async fn export_dump(&self) -> StoreResult<Dump> {
        Ok(Dump {
            format: DUMP_FORMAT.to_owned(),
            schema_version: latest_version(self.backend()),
            source_backend: self.backend().as_str().to_owned(),
            exported_at: crate::now(),
            tables: self.read_tables().await?,
        })
    }

    /// Write a dump into this (migrated, empty) database. Everything or nothing: the dump is
    /// checked first (format, schema version, audit chain) and then written in one transaction.
    pub async fn import_dump(&self, mut dump: Dump) -> StoreResult<()> {
        if dump.format != DUMP_FORMAT {
            return Err(StoreError::Dump(format!("not a smartcity dump (format {:?})", dump.format)));
        }
        let expected = latest_version(self.backend());
        if dump.schema_version != expected {
            return Err(StoreError::Dump(format!(
                "the dump has schema version {} but this binary expects {expected}; use the same release for export and import",
                dump.schema_version
            )));
        }
        let records: Vec<_> = dump
            .tables
            .audit_log
            .iter()
            .cloned()
            .map(|r| {
                AuditRow {
                    seq: r.seq,
                    at: r.at,
                    actor: r.actor,
                    action: r.action,
                    record_type: r.record_type,
                    record_id: r.record_id,
                    ip: r.ip,
                    details: r.details,
                    prev_hash: r.prev_hash,
                    hash: r.hash,
                }
                .into_record()
            })
            .collect();
        if let Err(broken) = smartcity_domain::audit::verify_chain(&records) {
            return Err(StoreError::Dump(format!("the audit chain in the dump is broken: {broken}")));
        }
        dump.tables.units = order_units_for_insert(std::mem::take(&mut dump.tables.units))?;
        self.write_tables(&dump.tables).await?;
        self.resume_identity_sequences().await?;
        // The dossier and report tallies are derived data, not dumped: rebuilt from the imported rows.
        self.rebuild_dossier_rollups().await?;
        self.rebuild_report_rollups().await
    }

    /// PostgreSQL identity columns do not move when rows arrive with their ids (an import); set each sequence
    /// past the largest id so the next insert does not collide. SQLite takes `MAX(rowid) + 1` by itself.
    async fn resume_identity_sequences(&self) -> StoreResult<()> {
        if let crate::Db::Postgres { pool } = &self.db {
            for table in crate::sensing::model::EntitySet::ALL.map(|s| s.table()) {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        }
        Ok(())
    }
}

fn latest_version(backend: Backend) -> i64 {
    Store::migration_versions(backend).into_iter().max().unwrap_or_default()
}

/// Parents and successors must exist before the units that point at them (foreign keys are
/// checked per row on both engines).
fn order_units_for_insert(mut pending: Vec<UnitDumpRow>) -> StoreResult<Vec<UnitDumpRow>> {
    let mut ordered: Vec<UnitDumpRow> = Vec::with_capacity(pending.len());
    let mut placed = std::collections::HashSet::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for unit in pending {
            let ready = |r: &Option<String>| r.as_ref().is_none_or(|c| placed.contains(c) || *c == unit.code);
            if ready(&unit.parent_code) && ready(&unit.successor_code) {
                placed.insert(unit.code.clone());
                ordered.push(unit);
            } else {
                rest.push(unit);
            }
        }
        if rest.len() == before {
            let codes: Vec<_> = rest.iter().map(|u| u.code.as_str()).collect();
            return Err(StoreError::Dump(format!(
                "units refer to parents or successors missing from the dump: {}",
                codes.join(", ")
            )));
        }
        pending = rest;
    }
    Ok(ordered)
}

//! The OpenAPI 3.1 document of every JSON endpoint, served at `/api/openapi.json`. A test checks
//! that each `/api/v1` route of the router is documented here.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ApiErrorBody;
use crate::{dossiers, identity, operations, payments, portal, sensing, transparency, units};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Huế Smart City Platform API", version = "1",
         description = "JSON API of the Huế smart-city platform. Errors carry a stable `error` code and messages in Vietnamese and English."),
    paths(
        identity::api::login, identity::api::logout, identity::api::me, identity::api::ecard_lookup,
        units::api_list, units::api_get, units::api_locate,
        dossiers::api::list_procedures, dossiers::api::get_procedure, dossiers::api::submit, dossiers::api::get_dossier,
        dossiers::api::act, dossiers::api::lookup, dossiers::api::indices, dossiers::api::holidays, dossiers::api::due_date,
        transparency::api::units, transparency::api::unit, transparency::api::reports, transparency::api::environment,
        operations::summary, operations::events, operations::map::layer,
        payments::api::create_payment, payments::api::get_payment, payments::api::get_receipt, payments::api::verify_receipt,
        payments::api::totals,
        portal::search::api,
        sensing::environment::api_aqi, sensing::environment::api_rivers, sensing::environment::api_rainfall,
        sensing::rules::api_rules, sensing::rules::api_put_rule, sensing::rules::api_put_levels,
    ),
    components(schemas(ApiErrorBody)),
    modifiers(&SecuritySchemes),
    tags((name = "identity", description = "Accounts, sessions, e-cards"),
         (name = "units", description = "Administrative units and agencies of Huế"),
         (name = "dossiers", description = "One-stop public services: procedures, dossiers, lookup, QĐ 766 indices"),
         (name = "calendar", description = "Working days, public holidays and due dates"),
         (name = "operations", description = "Operations centre (IOC): figures at a glance and live changes"),
         (name = "transparency", description = "Public QĐ 766 indicators and field-report figures of every unit, ranked, with their formulas; the environment over a period"),
         (name = "payments", description = "Fees paid online (VNPay 2.1.0) or at the desk, e-receipts and their verification. \
            Gateway callbacks: GET /payments/vnpay/ipn (the authority, answers {RspCode, Message}) and GET /payments/vnpay/return (display only)."),
         (name = "portal", description = "The one search box over the unit sites and the procedure catalogue"),
         (name = "sensing", description = "Air quality (VN_AQI), river levels against flood alarm levels, and the alarm rules")),
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::shell::auth::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

//! SensorThings API 1.1 through the router, one group per conformance class we claim: Sensing Core, Filtering,
//! Create-Update-Delete, DataArray. Writers use a Bearer API token of an IOC operator, as a device gateway would.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use smartcity_domain::identity::Role;

use crate::app::{TestApp, TestResponse};

const M: &str = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement";

/// An app with an IOC operator and their API token.
async fn app_with_writer() -> (TestApp, String) {
    let app = TestApp::new().await;
    app.staff("gateway@hue.test", &[(Role::IocOperator, "46")]).await;
    let s = app.login("gateway@hue.test").await;
    let page = app.post_form("/account/tokens", Some(&s), &[("name", "cổng cảm biến")]).await;
    let token =
        page.body.split(r#"id="new-token" class="token">"#).nth(1).unwrap().split('<').next().unwrap().to_owned();
    (app, token)
}

async fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<String>) -> TestResponse {
    let mut req = Request::builder().method(method).uri(path).header(header::HOST, "sta.hue.test");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    app.send(req.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap()).await
}

async fn get(app: &TestApp, path: &str) -> TestResponse {
    send(app, "GET", path, None, None).await
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> TestResponse {
    send(app, "POST", path, Some(token), Some(body.to_string())).await
}

fn assert_sta_error(r: &TestResponse, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let j = r.json();
    assert_eq!(j["error"]["code"], code, "{}", r.body);
    assert!(!j["error"]["message_vi"].as_str().unwrap().is_empty());
    assert!(!j["error"]["message_en"].as_str().unwrap().is_empty());
}

/// Kim Long: a Thing with its Location and a water-level Datastream, by deep insert. Returns the Datastream id.
async fn kim_long(app: &TestApp, token: &str) -> i64 {
    let r = post(
        app,
        token,
        "/sta/v1.1/Things",
        json!({
            "name": "Trạm thủy văn Kim Long", "description": "Mực nước sông Hương",
            "properties": {"kind": "river_gauge", "ward_code": "19774"},
            "Locations": [{"name": "Kim Long", "description": "Bờ sông", "encodingType": "application/geo+json",
                           "location": {"type": "Point", "coordinates": [107.564, 16.4605]}}],
            "Datastreams": [{
                "name": "Mực nước", "description": "10 phút", "observationType": M,
                "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "http://qudt.org/vocab/unit/M"},
                "Sensor": {"name": "Radar", "description": "Radar", "encodingType": "text/html", "metadata": "https://example.vn"},
                "ObservedProperty": {"name": "Water level", "definition": "http://example.vn/wl", "description": "Mực nước"},
                "Observations": [{"phenomenonTime": "2026-11-27T08:00:00+07:00", "result": 0.8}]
            }]
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.location(), Some("http://sta.hue.test/sta/v1.1/Things(1)"));
    let ds = get(app, "/sta/v1.1/Things(1)/Datastreams").await.json();
    ds["value"][0]["@iot.id"].as_i64().unwrap()
}

#[tokio::test]
async fn sensing_core_serves_entities_with_links_navigation_and_query_options() {
    let (app, token) = app_with_writer().await;
    let root = get(&app, "/sta/v1.1").await.json();
    assert_eq!(root["value"].as_array().unwrap().len(), 8);
    assert_eq!(root["value"][0]["url"], "http://sta.hue.test/sta/v1.1/Things");

    let ds = kim_long(&app, &token).await;
    let thing = get(&app, "/sta/v1.1/Things(1)").await.json();
    assert_eq!(thing["@iot.id"], 1);
    assert_eq!(thing["@iot.selfLink"], "http://sta.hue.test/sta/v1.1/Things(1)");
    assert_eq!(thing["Datastreams@iot.navigationLink"], "http://sta.hue.test/sta/v1.1/Things(1)/Datastreams");
    assert_eq!(thing["properties"]["kind"], "river_gauge");

    // Every entity set answers, the deep insert filled each one (HistoricalLocation and FeatureOfInterest by the server).
    for set in [
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    ] {
        let r = get(&app, &format!("/sta/v1.1/{set}?$count=true")).await;
        assert_eq!(r.status, StatusCode::OK, "{set}: {}", r.body);
        assert_eq!(r.json()["@iot.count"], 1, "{set}");
    }

    let sensor = get(&app, &format!("/sta/v1.1/Datastreams({ds})/Sensor")).await.json();
    assert_eq!(sensor["name"], "Radar");
    let name = get(&app, "/sta/v1.1/Things(1)/name").await.json();
    assert_eq!(name, json!({"name": "Trạm thủy văn Kim Long"}));
    let raw = get(&app, "/sta/v1.1/Things(1)/name/$value").await;
    assert_eq!(raw.body, "Trạm thủy văn Kim Long");

    // $select and nested $expand with per-level options.
    let r = get(&app, "/sta/v1.1/Things?$select=name&$expand=Datastreams($select=name;$expand=Observations($select=result;$top=1),ObservedProperty)").await;
    let t = &r.json()["value"][0];
    assert_eq!(t.as_object().unwrap().keys().filter(|k| !k.ends_with("@iot.navigationLink")).count(), 2, "{t}");
    assert_eq!(t["Datastreams"][0]["name"], "Mực nước");
    assert_eq!(t["Datastreams"][0]["Observations"][0], json!({"result": 0.8}));
    assert_eq!(t["Datastreams"][0]["ObservedProperty"]["name"], "Water level");

    // Server-driven paging: follow @iot.nextLink until the end, seeing each Observation once.
    let rows: Vec<Value> =
        (0..25).map(|i| json!([format!("2026-11-27T09:{i:02}:00+07:00"), f64::from(i) / 10.0])).collect();
    let r = post(
        &app,
        &token,
        "/sta/v1.1/CreateObservations",
        json!([{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": rows}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut next =
        Some(format!("/sta/v1.1/Datastreams({ds})/Observations?$orderby=phenomenonTime%20desc&$top=10&$count=true"));
    let mut seen = Vec::new();
    while let Some(url) = next {
        let page = get(&app, &url).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let j = page.json();
        assert_eq!(j["@iot.count"], 26);
        seen.extend(j["value"].as_array().unwrap().iter().map(|o| o["phenomenonTime"].as_str().unwrap().to_owned()));
        next = j["@iot.nextLink"].as_str().map(|l| l.trim_start_matches("http://sta.hue.test").to_owned());
    }
    assert_eq!(seen.len(), 26);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first: {seen:?}");

    // $skip and $orderby on another set.
    let r = get(&app, "/sta/v1.1/Observations?$orderby=result%20desc&$skip=1&$top=2").await.json();
    assert_eq!(r["value"][0]["result"], 2.3);

    assert_sta_error(&get(&app, "/sta/v1.1/Things(99)").await, StatusCode::NOT_FOUND, "sta_not_found");
    assert_sta_error(&get(&app, "/sta/v1.1/Gadgets").await, StatusCode::NOT_FOUND, "sta_not_found");
    assert_sta_error(
        &get(&app, "/sta/v1.1/Things?$expand=Wheels").await,
        StatusCode::BAD_REQUEST,
        "sta_expand_unknown",
    );
}

#[tokio::test]
async fn filtering_runs_comparisons_functions_relations_and_geometry_and_explains_garbage() {
    let (app, token) = app_with_writer().await;
    let ds = kim_long(&app, &token).await;
    let rows: Vec<Value> = [0.5, 1.2, 2.4, 3.6]
        .iter()
        .enumerate()
        .map(|(i, v)| json!([format!("2026-11-27T1{i}:00:00+07:00"), v]))
        .collect();
    post(
        &app,
        &token,
        "/sta/v1.1/CreateObservations",
        json!([{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": rows}]),
    )
    .await;
    let count = |f: &str| {
        let url = format!("/sta/v1.1/Observations?$count=true&$filter={}", f.replace(' ', "%20").replace('\'', "%27"));
        let app = &app;
        async move {
            let r = get(app, &url).await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
            r.json()["@iot.count"].as_i64().unwrap()
        }
    };
    assert_eq!(count("result ge 2.0").await, 2);
    assert_eq!(count("result add 1 gt 4").await, 1);
    assert_eq!(count("Datastream/Thing/name eq 'Trạm thủy văn Kim Long' and result lt 1").await, 2);
    assert_eq!(count("Datastream/Thing/properties/kind eq 'river_gauge'").await, 5);
    assert_eq!(count("phenomenonTime ge 2026-11-27T11:00:00+07:00").await, 3);
    assert_eq!(count("not (result gt 1) or result eq 3.6").await, 3);
    let r = get(&app, "/sta/v1.1/Locations?$filter=st_within(location,geography%27POLYGON((107.5%2016.4,107.6%2016.4,107.6%2016.5,107.5%2016.5,107.5%2016.4))%27)").await;
    assert_eq!(r.json()["value"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = get(&app, "/sta/v1.1/Things?$filter=startswith(name,%27Tr%E1%BA%A1m%27)").await;
    assert_eq!(r.json()["value"].as_array().unwrap().len(), 1);

    assert_sta_error(
        &get(&app, "/sta/v1.1/Observations?$filter=result%20gt").await,
        StatusCode::BAD_REQUEST,
        "sta_filter_syntax",
    );
    let deep = format!("{}1{}", "(".repeat(120), ")".repeat(120));
    assert_sta_error(
        &get(&app, &format!("/sta/v1.1/Observations?$filter=result%20eq%20{deep}")).await,
        StatusCode::BAD_REQUEST,
        "sta_filter_too_deep",
    );
    assert_sta_error(
        &get(&app, "/sta/v1.1/Things?$filter=Datastreams/name%20eq%20%27x%27").await,
        StatusCode::BAD_REQUEST,
        "sta_filter_unsupported",
    );
    assert_sta_error(
        &get(&app, "/sta/v1.1/Things?$frobnicate=1").await,
        StatusCode::BAD_REQUEST,
        "sta_query_unknown_option",
    );
    // An overflow the database refuses is the client's query, not a server fault.
    let r =
        get(&app, "/sta/v1.1/Things?$filter=id%20mul%209223372036854775807%20mul%209223372036854775807%20gt%200").await;
    assert!(r.status.is_success() || r.status == StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn create_update_delete_need_a_writer_and_refuse_bad_bodies_clearly() {
    let (app, token) = app_with_writer().await;
    let thing = json!({"name": "Camera cầu Trường Tiền", "description": "Camera giao thông"});
    // Without a token, a request is a browser's: the shell's CSRF guard refuses it before STA sees it.
    let r = send(&app, "POST", "/sta/v1.1/Things", None, Some(thing.to_string())).await;
    assert_eq!((r.status, r.json()["error"].as_str()), (StatusCode::FORBIDDEN, Some("csrf_token_invalid")));
    let visitor = app.anonymous().await;
    let r = app
        .send(
            Request::post("/sta/v1.1/Things")
                .header(header::COOKIE, &visitor.cookie)
                .header("x-csrf-token", &visitor.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(thing.to_string()))
                .unwrap(),
        )
        .await;
    assert_sta_error(&r, StatusCode::UNAUTHORIZED, "login_required");
    app.staff("clerk@hue.test", &[(Role::ReceptionOfficer, "46")]).await;
    let clerk = app.login("clerk@hue.test").await;
    let r = app
        .send(
            Request::post("/sta/v1.1/Things")
                .header(header::COOKIE, &clerk.cookie)
                .header("x-csrf-token", &clerk.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(thing.to_string()))
                .unwrap(),
        )
        .await;
    assert_sta_error(&r, StatusCode::FORBIDDEN, "forbidden");

    let ds = kim_long(&app, &token).await;
    let r =
        send(&app, "PATCH", "/sta/v1.1/Things(1)", Some(&token), Some(json!({"description": "Đã đổi"}).to_string()))
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["name"], "Trạm thủy văn Kim Long");
    assert_eq!(r.json()["description"], "Đã đổi");
    let r = send(
        &app,
        "PUT",
        "/sta/v1.1/Things(1)",
        Some(&token),
        Some(json!({"name": "Kim Long", "description": "Mới"}).to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["properties"], Value::Null, "PUT replaces: absent properties become null");
    assert_sta_error(
        &send(&app, "PUT", "/sta/v1.1/Things(1)", Some(&token), Some(json!({"description": "no name"}).to_string()))
            .await,
        StatusCode::BAD_REQUEST,
        "sta_property_missing",
    );

    // A single Observation, linked by the path, and one by its body.
    let r = post(
        &app,
        &token,
        &format!("/sta/v1.1/Datastreams({ds})/Observations"),
        json!({"result": 1.7, "phenomenonTime": "2026-11-27T12:00:00+07:00"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["result"], 1.7);
    assert_eq!(r.json()["phenomenonTime"], "2026-11-27T05:00:00Z");

    assert_sta_error(
        &send(&app, "POST", "/sta/v1.1/Things", Some(&token), Some("{\"name\": ".into())).await,
        StatusCode::BAD_REQUEST,
        "sta_json_malformed",
    );
    assert_sta_error(
        &post(&app, &token, "/sta/v1.1/Observations", json!({"result": 1, "Datastream": {"@iot.id": 999}})).await,
        StatusCode::BAD_REQUEST,
        "sta_entity_not_found",
    );
    assert_sta_error(
        &post(&app, &token, "/sta/v1.1/Observations", json!({"result": "cao", "Datastream": {"@iot.id": ds}})).await,
        StatusCode::BAD_REQUEST,
        "sta_result_type",
    );
    assert_sta_error(
        &post(&app, &token, "/sta/v1.1/Observations", json!({"result": 1})).await,
        StatusCode::BAD_REQUEST,
        "sta_datastream_missing",
    );
    assert_sta_error(
        &post(&app, &token, "/sta/v1.1/Things", json!({"name": "x", "description": "y", "colour": "red"})).await,
        StatusCode::BAD_REQUEST,
        "sta_property_unknown",
    );
    assert_sta_error(
        &post(&app, &token, "/sta/v1.1/Things", json!([1, 2])).await,
        StatusCode::BAD_REQUEST,
        "sta_body_not_object",
    );

    let r = send(&app, "DELETE", "/sta/v1.1/Things(1)", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        get(&app, "/sta/v1.1/Observations?$count=true").await.json()["@iot.count"],
        0,
        "deleting a Thing deletes its Datastreams and their Observations"
    );
    assert_sta_error(
        &send(&app, "DELETE", "/sta/v1.1/Things(1)", Some(&token), None).await,
        StatusCode::NOT_FOUND,
        "sta_not_found",
    );
}

#[tokio::test]
async fn data_array_round_trips_and_oversized_bodies_are_refused() {
    let (app, token) = app_with_writer().await;
    let ds = kim_long(&app, &token).await;
    let body = json!([{
        "Datastream": {"@iot.id": ds},
        "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
        "dataArray": [["2026-11-27T10:00:00+07:00", 1.1, 1], ["2026-11-27T10:10:00+07:00", 1.2, 1]]
    }]);
    let r = post(&app, &token, "/sta/v1.1/CreateObservations", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let links = r.json();
    assert_eq!(links.as_array().unwrap().len(), 2);
    assert!(links[0].as_str().unwrap().starts_with("http://sta.hue.test/sta/v1.1/Observations("));

    let r = get(&app, &format!("/sta/v1.1/Datastreams({ds})/Observations?$resultFormat=dataArray&$orderby=phenomenonTime&$filter=result%20gt%201")).await;
    let j = r.json();
    let block = &j["value"][0];
    assert_eq!(block["Datastream@iot.navigationLink"], format!("http://sta.hue.test/sta/v1.1/Datastreams({ds})"));
    assert_eq!(block["components"], json!(["id", "phenomenonTime", "result"]));
    assert_eq!(block["dataArray@iot.count"], 2);
    assert_eq!(block["dataArray"][1][1], "2026-11-27T03:10:00Z");
    assert_eq!(block["dataArray"][1][2], 1.2);

    let bad_time = json!([{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": [["2026-11-27T10:00:00+0700", 1]]}]);
    let r = post(&app, &token, "/sta/v1.1/CreateObservations", bad_time).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let unknown = json!([{"Datastream": {"@iot.id": 424242}, "components": ["result"], "dataArray": [[1]]}]);
    assert_sta_error(
        &post(&app, &token, "/sta/v1.1/CreateObservations", unknown).await,
        StatusCode::BAD_REQUEST,
        "sta_entity_not_found",
    );
    let huge = format!(
        "[{{\"Datastream\": {{\"@iot.id\": {ds}}}, \"components\": [\"result\"], \"dataArray\": [{}1]]}}]",
        "1,".repeat(1_500_000)
    );
    let r = send(&app, "POST", "/sta/v1.1/CreateObservations", Some(&token), Some(huge)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(300)]);
    assert_eq!(get(&app, "/sta/v1.1/Observations?$count=true").await.json()["@iot.count"], 3);
}

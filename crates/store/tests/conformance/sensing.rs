//! Sensing: the SensorThings entities, bulk and idempotent Observation ingest, `$filter` translated to SQL on both
//! engines, keyset paging, and the alarms with one active alarm per originator and type.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Map, Value, json};
use smartcity_domain::operations::alarms::{AlarmCondition, AlarmSeverity, acknowledge, clear};
use smartcity_domain::sensing::alarm_rules::{AlarmRule, RuleCondition, RuleScope, ThresholdStep, default_rules};
use smartcity_domain::sensing::flood::AlarmLevels;
use smartcity_domain::sensing::sensorthings::{OrderBy, parse_filter, parse_orderby};
use smartcity_store::StoreError;
use smartcity_store::sensing::alarms::{AlarmOutcome, OperatorAction};
use smartcity_store::sensing::{AlarmStore, Cursor, EntitySet, NewObservation, Ref, SensingStore, StaQuery, WriteOp};
use smartcity_store::testing::fresh_store;
use smartcity_store::{AlarmRuleStore, AuditStore, Store};

use super::admin;

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

/// The Kim Long gauge as a deep insert: Location, Thing, Sensor, ObservedProperty, Datastream. Returns the ids.
pub async fn kim_long(store: &Store) -> Vec<i64> {
    let ops = vec![
        WriteOp::Insert {
            set: EntitySet::Locations,
            props: obj(
                json!({"name": "Kim Long", "description": "Bờ sông Hương", "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [107.564, 16.4605]}}),
            ),
            links: vec![],
        },
        WriteOp::Insert {
            set: EntitySet::Things,
            props: obj(json!({"name": "Trạm thủy văn Kim Long", "description": "Mực nước sông Hương",
                "properties": {"kind": "river_gauge", "ward_code": "19774", "floors": 2}})),
            links: vec![("Locations", Ref::New(0))],
        },
        WriteOp::Insert {
            set: EntitySet::Sensors,
            props: obj(
                json!({"name": "Radar", "description": "Đo mực nước radar", "encodingType": "text/html", "metadata": "https://example.vn/radar"}),
            ),
            links: vec![],
        },
        WriteOp::Insert {
            set: EntitySet::ObservedProperties,
            props: obj(
                json!({"name": "Water level", "definition": "http://vocab.nerc.ac.uk/collection/P01/current/WATRLVL/", "description": "Mực nước"}),
            ),
            links: vec![],
        },
        WriteOp::Insert {
            set: EntitySet::Datastreams,
            props: obj(json!({"name": "Mực nước Kim Long", "description": "Mỗi 10 phút",
                "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "http://qudt.org/vocab/unit/M"},
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"})),
            links: vec![("Thing", Ref::New(1)), ("Sensor", Ref::New(2)), ("ObservedProperty", Ref::New(3))],
        },
    ];
    store.sta_write(&ops).await.unwrap()
}

/// Something in every sensing table (for the dump tests).
pub async fn fill_sensing(store: &Store) {
    let ids = kim_long(store).await;
    let at = Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap();
    let mut o = NewObservation::new(ids[4], at, &json!(1.25));
    o.dedup_key = Some("mqtt-1".into());
    o.result_time = Some(at.timestamp_micros());
    o.result_quality = Some("\"good\"".into());
    o.valid_time = Some("2026-11-27T02:00:00Z/2026-11-27T03:00:00Z".into());
    o.parameters = Some("{\"battery\":0.9}".into());
    o.phenomenon_time_end = Some(at.timestamp_micros() + 600_000_000);
    store.insert_observations(&[o, NewObservation::new(ids[4], at, &json!("lỗi"))]).await.unwrap();
    store
        .evaluate_alarm(
            &admin(),
            "Datastreams(5)",
            "Trạm thủy văn Kim Long",
            "flood_level",
            AlarmCondition::Raised { severity: AlarmSeverity::Major, at, details: json!({"level_m": 2.3}) },
        )
        .await
        .unwrap();
    let mut rule = default_rules().remove(1);
    rule.condition = RuleCondition::Silence { minutes: 30, severity: AlarmSeverity::Minor };
    store.save_alarm_rule(&admin(), &rule).await.unwrap();
    store
        .save_gauge_levels(&admin(), "tram-thuy-van-kim-long", &AlarmLevels::new(1.1, 2.1, 3.6).unwrap())
        .await
        .unwrap();
}

fn query(set: EntitySet, top: i64) -> StaQuery<'static> {
    StaQuery::all(set, top)
}

#[tokio::test]
async fn a_deep_insert_links_everything_and_records_the_things_location_history() {
    let store = fresh_store().await;
    let ids = kim_long(&store).await;
    assert_eq!(ids.len(), 5);

    let thing = store.sta_get(EntitySet::Things, ids[1]).await.unwrap();
    assert_eq!(thing.json["name"], "Trạm thủy văn Kim Long");
    assert_eq!(thing.json["properties"]["kind"], "river_gauge");

    let things = EntitySet::Things;
    let mut q = query(EntitySet::Datastreams, 10);
    q.parent = Some((ids[1], things.navigation("Datastreams").unwrap()));
    let page = store.sta_query(&q).await.unwrap();
    assert_eq!(page.entities.len(), 1);
    assert_eq!(page.entities[0].json["unitOfMeasurement"]["symbol"], "m");
    assert!(page.entities[0].json.get("phenomenonTime").is_none(), "no Observations yet, no phenomenonTime");

    let mut q = query(EntitySet::HistoricalLocations, 10);
    q.parent = Some((ids[1], things.navigation("HistoricalLocations").unwrap()));
    assert_eq!(store.sta_query(&q).await.unwrap().entities.len(), 1, "linking a Location records history");

    let mut q = query(EntitySet::Things, 10);
    q.parent = Some((ids[0], EntitySet::Locations.navigation("Things").unwrap()));
    assert_eq!(store.sta_query(&q).await.unwrap().entities[0].id, ids[1]);

    // A to-one navigation: the Datastream's Sensor.
    let mut q = query(EntitySet::Sensors, 10);
    q.parent = Some((ids[4], EntitySet::Datastreams.navigation("Sensor").unwrap()));
    assert_eq!(store.sta_query(&q).await.unwrap().entities[0].json["metadata"], "https://example.vn/radar");
}

#[tokio::test]
async fn writes_refuse_missing_properties_unknown_links_and_wrong_types_and_store_nothing() {
    let store = fresh_store().await;
    let bad = [
        WriteOp::Insert { set: EntitySet::Things, props: obj(json!({"description": "no name"})), links: vec![] },
        WriteOp::Insert { set: EntitySet::Things, props: obj(json!({"name": 5, "description": "x"})), links: vec![] },
        WriteOp::Insert {
            set: EntitySet::Things,
            props: obj(json!({"name": "a", "description": "x", "colour": "red"})),
            links: vec![],
        },
        WriteOp::Insert {
            set: EntitySet::Things,
            props: obj(json!({"name": "a", "description": "x"})),
            links: vec![("Locations", Ref::Id(999))],
        },
    ];
    let codes = ["sta_property_missing", "sta_property_type", "sta_property_unknown", "sta_entity_not_found"];
    for (op, code) in bad.into_iter().zip(codes) {
        match store.sta_write(&[op]).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.code, code),
            other => panic!("expected {code}, got {other:?}"),
        }
    }
    assert!(store.sta_query(&query(EntitySet::Things, 10)).await.unwrap().entities.is_empty());
}

#[tokio::test]
async fn patch_changes_only_given_properties_and_delete_cascades() {
    let store = fresh_store().await;
    let ids = kim_long(&store).await;
    store
        .sta_write(&[WriteOp::Update {
            set: EntitySet::Things,
            id: ids[1],
            props: obj(json!({"description": "Đã đổi"})),
            links: vec![],
        }])
        .await
        .unwrap();
    let thing = store.sta_get(EntitySet::Things, ids[1]).await.unwrap();
    assert_eq!(
        (thing.json["name"].as_str(), thing.json["description"].as_str()),
        (Some("Trạm thủy văn Kim Long"), Some("Đã đổi"))
    );

    let at = Utc::now();
    store.insert_observations(&[NewObservation::new(ids[4], at, &json!(1.0))]).await.unwrap();
    store.sta_write(&[WriteOp::Delete { set: EntitySet::Things, id: ids[1] }]).await.unwrap();
    assert!(matches!(store.sta_get(EntitySet::Datastreams, ids[4]).await, Err(StoreError::NotFound)));
    assert!(store.sta_query(&query(EntitySet::Observations, 10)).await.unwrap().entities.is_empty());
    assert!(matches!(
        store.sta_write(&[WriteOp::Delete { set: EntitySet::Things, id: ids[1] }]).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_batch_is_stored_with_a_feature_derived_once_and_pages_by_keyset() {
    let store = fresh_store().await;
    let ids = kim_long(&store).await;
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let rows: Vec<NewObservation> = (0..1203)
        .map(|i| {
            NewObservation::new(ids[4], start + Duration::minutes(10 * i), &json!(f64::from(i as u32 % 400) / 100.0))
        })
        .collect();
    let stored = store.insert_observations(&rows).await.unwrap();
    assert_eq!(stored.len(), 1203);
    assert!(stored.iter().all(Option::is_some));
    let features = store.sta_query(&query(EntitySet::FeaturesOfInterest, 10)).await.unwrap();
    assert_eq!(features.entities.len(), 1, "one FeatureOfInterest for the Thing's Location");
    assert_eq!(features.entities[0].json["feature"]["coordinates"][0], 107.564);

    let ds = store.sta_get(EntitySet::Datastreams, ids[4]).await.unwrap();
    assert_eq!(ds.json["phenomenonTime"], "2026-11-01T00:00:00Z/2026-11-09T08:20:00Z");

    // Walk every page of `result ge 3.5` newest first by keyset; it must see each match exactly once.
    let filter = parse_filter("result ge 3.5 and phenomenonTime ge 2026-11-01T07:00:00+07:00").unwrap();
    let orderby: Vec<OrderBy> = parse_orderby("phenomenonTime desc").unwrap();
    let mut q = query(EntitySet::Observations, 7);
    q.parent = Some((ids[4], EntitySet::Datastreams.navigation("Observations").unwrap()));
    q.filter = Some(&filter);
    q.orderby = &orderby;
    q.count = true;
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        q.cursor = cursor;
        let page = store.sta_query(&q).await.unwrap();
        assert_eq!(page.count, Some(3 * 50));
        seen.extend(page.entities.iter().map(|e| e.json["phenomenonTime"].as_str().unwrap().to_owned()));
        match page.next_cursor {
            Some(c) => cursor = Some(Cursor::decode(&c.encode()).unwrap()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 150);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted);
    assert!(seen.iter().all(|t| t.as_str() < "2026-11-09T08:20:01Z"));
}

#[tokio::test]
async fn redelivered_observations_are_stored_once() {
    let store = fresh_store().await;
    let ids = kim_long(&store).await;
    let mut o = NewObservation::new(ids[4], Utc::now(), &json!(2.1));
    o.dedup_key = Some(o.derive_dedup_key());
    let first = store.insert_observations(&[o.clone()]).await.unwrap();
    assert!(first[0].is_some());
    let again = store.insert_observations(&[o.clone(), o]).await.unwrap();
    assert_eq!(again, vec![None, None]);
    assert_eq!(store.sta_query(&query(EntitySet::Observations, 10)).await.unwrap().entities.len(), 1);
}

#[tokio::test]
async fn an_unknown_datastream_refuses_the_whole_batch() {
    let store = fresh_store().await;
    let ids = kim_long(&store).await;
    let rows = [NewObservation::new(ids[4], Utc::now(), &json!(1)), NewObservation::new(999, Utc::now(), &json!(1))];
    match store.insert_observations(&rows).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.code, "sta_entity_not_found");
            assert!(e.en.contains("Datastreams(999)"));
        }
        other => panic!("{other:?}"),
    }
    assert!(store.sta_query(&query(EntitySet::Observations, 10)).await.unwrap().entities.is_empty());
}

#[tokio::test]
async fn filters_run_in_sql_across_relations_and_in_memory_where_sql_cannot() {
    let store = fresh_store().await;
    let ids = kim_long(&store).await;
    let at = Utc::now() - Duration::minutes(5);
    store
        .insert_observations(&[
            NewObservation::new(ids[4], at, &json!(3.6)),
            NewObservation::new(ids[4], at, &json!("offline")),
            NewObservation::new(ids[4], at, &json!(true)),
        ])
        .await
        .unwrap();
    let count = |f: &'static str, set: EntitySet| {
        let store = store.clone();
        async move {
            let filter = parse_filter(f).unwrap();
            let mut q = StaQuery::all(set, 100);
            q.filter = Some(&filter);
            store.sta_query(&q).await.map(|p| p.entities.len())
        }
    };
    assert_eq!(
        count("Datastream/Thing/name eq 'Trạm thủy văn Kim Long' and result gt 3.5", EntitySet::Observations)
            .await
            .unwrap(),
        1
    );
    assert_eq!(count("Datastream/ObservedProperty/name eq 'Rain'", EntitySet::Observations).await.unwrap(), 0);
    assert_eq!(count("result eq 'offline'", EntitySet::Observations).await.unwrap(), 1);
    assert_eq!(count("result eq true", EntitySet::Observations).await.unwrap(), 1);
    assert_eq!(count("phenomenonTime gt now() sub PT1H", EntitySet::Observations).await.unwrap(), 3);
    assert_eq!(
        count("properties/kind eq 'river_gauge' and properties/floors ge 2", EntitySet::Things).await.unwrap(),
        1
    );
    assert_eq!(count("properties/floors gt 'a'", EntitySet::Things).await.unwrap(), 0);
    assert_eq!(count("startswith(tolower(name), 'trạm') and length(name) eq 22", EntitySet::Things).await.unwrap(), 1);
    assert_eq!(count("substringof('Long', name) and indexof(name, 'Kim') eq 14", EntitySet::Things).await.unwrap(), 1);
    assert_eq!(
        count("endswith(name, 'Long') and substring(name, 14, 3) eq 'Kim'", EntitySet::Things).await.unwrap(),
        1
    );
    assert_eq!(count("id div 0 eq null and (id add 1) mul 2 eq 4", EntitySet::Things).await.unwrap(), 1);
    assert_eq!(count("year(phenomenonTime) ge 2026", EntitySet::Observations).await.unwrap(), 3);
    // Geospatial functions run in memory on the page of candidates.
    assert_eq!(
        count(
            "st_within(location, geography'POLYGON((107 16, 108 16, 108 17, 107 17, 107 16))')",
            EntitySet::Locations
        )
        .await
        .unwrap(),
        1
    );
    assert_eq!(
        count(
            "geo.distance(location, geography'POINT(107.564 16.4605)') lt 0.01 and name eq 'Kim Long'",
            EntitySet::Locations
        )
        .await
        .unwrap(),
        1
    );
    // A path through a to-many relation is refused with a clear error rather than answered wrongly.
    match count("Datastreams/name eq 'x'", EntitySet::Things).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, "sta_filter_unsupported"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn one_active_alarm_per_originator_and_type_escalates_clears_and_is_audited() {
    let store = fresh_store().await;
    let t0 = Utc::now() - Duration::hours(1);
    let raise = |sev, at| AlarmCondition::Raised { severity: sev, at, details: json!({"level_m": 2.3}) };
    let eval = |cond| {
        let store = store.clone();
        async move { store.evaluate_alarm(&admin(), "Datastreams(5)", "Kim Long", "flood_level", cond).await.unwrap() }
    };
    assert_eq!(eval(raise(AlarmSeverity::Minor, t0)).await, AlarmOutcome::Created);
    assert_eq!(eval(raise(AlarmSeverity::Minor, t0 + Duration::minutes(10))).await, AlarmOutcome::Refreshed);
    let active = store.list_alarms(true, 10).await.unwrap();
    assert_eq!(active.len(), 1);

    // An operator acknowledges; then the river rises: escalation removes the acknowledgement.
    let a = &active[0];
    let acked = acknowledge(&a.alarm, Utc::now()).unwrap();
    store
        .apply_operator_action(&admin(), a.id, a.updated_at, OperatorAction::Acknowledge, &acked, "Đã báo trực ban")
        .await
        .unwrap();
    // A second action on the stale copy is refused.
    assert!(matches!(
        store.apply_operator_action(&admin(), a.id, a.updated_at, OperatorAction::Acknowledge, &acked, "").await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(eval(raise(AlarmSeverity::Critical, t0 + Duration::minutes(20))).await, AlarmOutcome::SeverityChanged);
    let now = store.get_alarm(a.id).await.unwrap();
    assert_eq!(now.alarm.severity, AlarmSeverity::Critical);
    assert!(!now.alarm.acknowledged);

    // The database itself refuses a second active alarm for the key.
    let dup = store
        .execute_raw(&format!(
            "INSERT INTO alarms (id, originator, originator_name, alarm_type, severity, acknowledged, cleared, start_ts, end_ts, details, updated_at) \
             SELECT {}, originator, originator_name, alarm_type, severity, acknowledged, cleared, start_ts, end_ts, details, updated_at FROM alarms",
            match store.backend() {
                smartcity_store::Backend::Sqlite => "randomblob(16)",
                smartcity_store::Backend::Postgres => "gen_random_uuid()",
            }
        ))
        .await;
    assert!(dup.is_err(), "the partial unique index must refuse a second active alarm");

    let cleared = clear(&now.alarm, Utc::now()).unwrap();
    store
        .apply_operator_action(&admin(), a.id, now.updated_at, OperatorAction::Clear, &cleared, "Nước đã rút")
        .await
        .unwrap();
    assert!(store.list_alarms(true, 10).await.unwrap().is_empty());
    assert_eq!(store.list_alarms(false, 10).await.unwrap().len(), 1);
    // With the old one cleared a new condition opens a new alarm.
    assert_eq!(eval(raise(AlarmSeverity::Minor, Utc::now())).await, AlarmOutcome::Created);

    let history: Vec<String> = store.alarm_history(a.id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(history, ["created", "acknowledged", "severity_changed", "cleared_by_operator"]);
    let audited = super::audit_actions(&store).await;
    for action in ["alarm.created", "alarm.acknowledged", "alarm.severity_changed", "alarm.cleared_by_operator"] {
        assert!(audited.iter().any(|a| a == action), "{action} not audited: {audited:?}");
    }
    assert!(store.verify_audit().await.unwrap().is_ok());
}

#[tokio::test]
async fn edited_alarm_rules_and_gauge_levels_replace_the_defaults_and_are_audited() {
    let store = fresh_store().await;
    assert_eq!(store.alarm_rules().await.unwrap(), default_rules(), "nothing stored: the defaults");
    let kim_long_levels = |gauges: Vec<smartcity_domain::sensing::flood::RiverGauge>| {
        let g = gauges.into_iter().find(|g| g.id == "tram-thuy-van-kim-long").unwrap();
        (g.alarm_levels.bd1(), g.alarm_levels.bd2(), g.alarm_levels.bd3())
    };
    assert_eq!(kim_long_levels(store.river_gauges().await.unwrap()), (1.0, 2.0, 3.5));

    // An administrator enables PM2.5 with a lower first step, and adds a rule for one Datastream.
    let mut pm = default_rules().remove(2);
    pm.enabled = true;
    let custom = AlarmRule {
        code: "turbidity_ds9".into(),
        name: "Độ đục trạm 9".into(),
        enabled: true,
        auto_clear: false,
        condition: RuleCondition::Threshold {
            scope: RuleScope::Datastream { id: 9 },
            steps: vec![ThresholdStep { at_least: 40.0, severity: AlarmSeverity::Major }],
            clear_margin: 2.5,
        },
    };
    store.save_alarm_rule(&admin(), &pm).await.unwrap();
    store.save_alarm_rule(&admin(), &custom).await.unwrap();
    pm.name = "Bụi mịn PM2.5".into();
    store.save_alarm_rule(&admin(), &pm).await.unwrap();
    let rules = store.alarm_rules().await.unwrap();
    assert_eq!(rules.len(), 4);
    assert_eq!(rules[2], pm, "saved twice: the second replaces the first");
    assert_eq!(rules[3], custom);

    store
        .save_gauge_levels(&admin(), "tram-thuy-van-kim-long", &AlarmLevels::new(0.8, 1.8, 3.2).unwrap())
        .await
        .unwrap();
    assert_eq!(kim_long_levels(store.river_gauges().await.unwrap()), (0.8, 1.8, 3.2));
    assert!(matches!(
        store.save_gauge_levels(&admin(), "tram-khong-co", &AlarmLevels::new(1.0, 2.0, 3.0).unwrap()).await,
        Err(StoreError::NotFound)
    ));

    let audited = super::audit_actions(&store).await;
    assert_eq!(audited.iter().filter(|a| *a == "alarm_rule.saved").count(), 3);
    assert_eq!(audited.iter().filter(|a| *a == "river_gauge.levels_saved").count(), 1);
    assert!(store.verify_audit().await.unwrap().is_ok());
}

#[tokio::test]
async fn stream_facts_name_the_observed_property_and_the_gauge() {
    let store = fresh_store().await;
    let ids = kim_long(&store).await;
    store
        .sta_write(&[WriteOp::Update {
            set: EntitySet::Datastreams,
            id: ids[4],
            props: obj(json!({"properties": {"gauge": "tram-thuy-van-kim-long"}})),
            links: vec![],
        }])
        .await
        .unwrap();
    let facts = store.stream_facts(&[ids[4], 9_999]).await.unwrap();
    assert_eq!(facts.len(), 1);
    let f = &facts[&ids[4]];
    assert_eq!((f.observed_property.as_str(), f.gauge.as_deref()), ("Water level", Some("tram-thuy-van-kim-long")));
    assert_eq!(f.definition, "http://vocab.nerc.ac.uk/collection/P01/current/WATRLVL/");
}

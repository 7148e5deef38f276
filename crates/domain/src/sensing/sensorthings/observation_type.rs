//! The observation types of a Datastream (OGC 18-088 Table 13, after O&M 2.0) and the result each one accepts, so
//! that a Datastream of measurements never stores a word and a counter never stores a fraction.

use serde_json::Value;

use crate::validation::ValidationError;

const PREFIX: &str = "http://www.opengis.net/def/observationType/OGC-OM/2.0/";

/// Checks `result` against the Datastream's `observationType` URI. Unknown types accept any result (STA lets
/// servers define more); `null` is accepted by all (a sensor that reports "no reading").
pub fn check_result(observation_type: &str, result: &Value) -> Result<(), ValidationError> {
    if result.is_null() {
        return Ok(());
    }
    let short = observation_type.strip_prefix(PREFIX).unwrap_or(observation_type);
    let (ok, vi, en) = match short {
        "OM_Measurement" => (result.is_number(), "một số", "a number"),
        "OM_CountObservation" => (result.as_i64().is_some(), "một số nguyên", "an integer"),
        "OM_TruthObservation" => (result.is_boolean(), "true hoặc false", "true or false"),
        "OM_CategoryObservation" => (result.is_string(), "một chuỗi (URI của hạng mục)", "a string (a category URI)"),
        _ => (true, "", ""),
    };
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            "result",
            "sta_result_type",
            format!("Datastream có observationType {short}: kết quả phải là {vi}, không phải {result}."),
            format!("The Datastream's observationType is {short}: the result must be {en}, not {result}."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_type_takes_its_own_results() {
        let m = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement";
        assert!(check_result(m, &json!(3.5)).is_ok());
        assert!(check_result(m, &json!(null)).is_ok());
        assert_eq!(check_result(m, &json!("3.5")).unwrap_err().code, "sta_result_type");
        assert!(check_result("OM_CountObservation", &json!(3)).is_ok());
        assert!(check_result("OM_CountObservation", &json!(3.5)).is_err());
        assert!(check_result("OM_TruthObservation", &json!(true)).is_ok());
        assert!(check_result("OM_TruthObservation", &json!(1)).is_err());
        assert!(check_result("http://example.org/custom", &json!({"a": 1})).is_ok());
    }
}

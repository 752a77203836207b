//! The botocore service models, used as data: every request is validated against its input
//! shape (required members, types, lengths, ranges, enums, patterns) and every response is
//! projected onto its output shape, so the emulator cannot answer a field the SDKs do not know.
//!
//! The models are the ones the AWS SDKs are generated from (`models/*.json.gz`, copied from
//! botocore, Apache-2.0). Constraint messages follow AWS's wording ("1 validation error
//! detected: Value ... at 'name' failed to satisfy constraint: ...").

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

/// One of the three Personalize service models.
#[derive(Debug)]
pub struct ServiceModel {
    operations: HashMap<String, Operation>,
    shapes: Map<String, Value>,
    patterns: HashMap<String, Option<Regex>>,
}

/// An operation of a model: its input and output shape names.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Input shape name, if any.
    pub input: Option<String>,
    /// Output shape name, if any.
    pub output: Option<String>,
    /// HTTP method and request URI (`http.method`, `http.requestUri`), which route the
    /// restJson1 data planes.
    pub http: (String, String),
}

/// The control plane model (`AmazonPersonalize`).
pub fn control() -> &'static ServiceModel {
    static M: OnceLock<ServiceModel> = OnceLock::new();
    M.get_or_init(|| ServiceModel::load(include_bytes!("../models/personalize.json.gz")))
}

/// The personalize-events model.
pub fn events() -> &'static ServiceModel {
    static M: OnceLock<ServiceModel> = OnceLock::new();
    M.get_or_init(|| ServiceModel::load(include_bytes!("../models/personalize-events.json.gz")))
}

/// The personalize-runtime model.
pub fn runtime() -> &'static ServiceModel {
    static M: OnceLock<ServiceModel> = OnceLock::new();
    M.get_or_init(|| ServiceModel::load(include_bytes!("../models/personalize-runtime.json.gz")))
}

impl ServiceModel {
    fn load(gz: &[u8]) -> Self {
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut text)
            .expect("embedded model is valid gzip");
        let doc: Value = serde_json::from_str(&text).expect("embedded model is valid JSON");
        let mut operations = HashMap::new();
        for (name, op) in doc["operations"].as_object().expect("operations") {
            let shape = |k: &str| op[k]["shape"].as_str().map(str::to_owned);
            operations.insert(
                name.clone(),
                Operation {
                    input: shape("input"),
                    output: shape("output"),
                    http: (
                        op["http"]["method"].as_str().unwrap_or("POST").to_owned(),
                        op["http"]["requestUri"].as_str().unwrap_or("/").to_owned(),
                    ),
                },
            );
        }
        let shapes = doc["shapes"].as_object().expect("shapes").clone();
        let mut patterns = HashMap::new();
        for shape in shapes.values() {
            if let Some(p) = shape["pattern"].as_str() {
                // AWS matches the whole value (Java `matches`), while the model's patterns are
                // mostly unanchored: anchor them here.
                patterns
                    .entry(p.to_owned())
                    .or_insert_with(|| Regex::new(&format!("^(?:{p})$")).ok());
            }
        }
        Self {
            operations,
            shapes,
            patterns,
        }
    }

    /// Every operation of the model, by name.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &Operation)> {
        self.operations.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The operation called `name`, if the model has it.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    /// A shape definition by name.
    pub fn shape(&self, name: &str) -> Option<&Value> {
        self.shapes.get(name)
    }

    /// The members of a structure shape as (member name, target shape name).
    pub fn members(&self, name: &str) -> Vec<(String, String)> {
        self.shape(name)
            .and_then(|s| s["members"].as_object())
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v["shape"].as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Checks `value` against shape `name`; `Err` holds AWS-style violation messages.
    pub fn validate(&self, name: &str, value: &Value) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        self.check(name, value, "", &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn check(&self, name: &str, value: &Value, path: &str, errors: &mut Vec<String>) {
        let Some(shape) = self.shape(name) else {
            return;
        };
        let at = if path.is_empty() { "request" } else { path };
        let kind = shape["type"].as_str().unwrap_or("");
        let fail = |errors: &mut Vec<String>, what: String| {
            errors.push(format!(
                "Value {} at '{at}' failed to satisfy constraint: {what}",
                brief(shape, value)
            ));
        };
        let type_error = |errors: &mut Vec<String>, want: &str| {
            errors.push(format!(
                "Value {} at '{at}' must be {want}",
                brief(shape, value)
            ));
        };
        match kind {
            "structure" => {
                let Some(object) = value.as_object() else {
                    return type_error(errors, "an object");
                };
                for required in shape["required"].as_array().into_iter().flatten() {
                    let required = required.as_str().unwrap_or("");
                    if object.get(required).is_none_or(Value::is_null) {
                        errors.push(format!(
                            "Value null at '{}' failed to satisfy constraint: Member must not be null",
                            join(path, required)
                        ));
                    }
                }
                let members = shape["members"].as_object();
                for (key, member) in object {
                    match members.and_then(|m| m.get(key)) {
                        Some(m) if !member.is_null() => {
                            let target = m["shape"].as_str().unwrap_or("");
                            self.check(target, member, &join(path, key), errors);
                        }
                        Some(_) => {}
                        // Coral services ignore members they do not know; so do we.
                        None => {}
                    }
                }
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    return type_error(errors, "a list");
                };
                self.check_len(shape, items.len(), "length", value, at, errors);
                let member = shape["member"]["shape"].as_str().unwrap_or("");
                for (i, item) in items.iter().enumerate() {
                    self.check(member, item, &format!("{at}.{}.member", i + 1), errors);
                }
            }
            "map" => {
                let Some(entries) = value.as_object() else {
                    return type_error(errors, "a map");
                };
                self.check_len(shape, entries.len(), "length", value, at, errors);
                let key_shape = shape["key"]["shape"].as_str().unwrap_or("");
                let value_shape = shape["value"]["shape"].as_str().unwrap_or("");
                for (k, v) in entries {
                    self.check(
                        key_shape,
                        &Value::String(k.clone()),
                        &format!("{at}.key"),
                        errors,
                    );
                    self.check(value_shape, v, &format!("{at}.{k}"), errors);
                }
            }
            "string" => {
                let Some(s) = value.as_str() else {
                    return type_error(errors, "a string");
                };
                self.check_len(shape, s.chars().count(), "length", value, at, errors);
                if let Some(allowed) = shape["enum"].as_array() {
                    if !allowed.iter().any(|a| a.as_str() == Some(s)) {
                        let list: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                        fail(
                            errors,
                            format!("Member must satisfy enum value set: [{}]", list.join(", ")),
                        );
                    }
                }
                if let Some(p) = shape["pattern"].as_str() {
                    if let Some(Some(re)) = self.patterns.get(p) {
                        if !re.is_match(s) {
                            fail(
                                errors,
                                format!("Member must satisfy regular expression pattern: {p}"),
                            );
                        }
                    }
                }
            }
            "integer" | "long" => {
                let Some(n) = value.as_i64() else {
                    return type_error(errors, "an integer");
                };
                self.check_range(shape, n as f64, value, at, errors);
            }
            "float" | "double" => {
                let Some(n) = value.as_f64() else {
                    return type_error(errors, "a number");
                };
                self.check_range(shape, n, value, at, errors);
            }
            "boolean" if !value.is_boolean() => type_error(errors, "a boolean"),
            // Both JSON protocols send timestamps as epoch seconds.
            "timestamp" if !value.is_number() => type_error(errors, "a timestamp in epoch seconds"),
            "blob" if !value.is_string() => type_error(errors, "a base64 string"),
            _ => {}
        }
    }

    fn check_len(
        &self,
        shape: &Value,
        len: usize,
        what: &str,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        if let Some(min) = shape["min"].as_u64() {
            if (len as u64) < min {
                errors.push(format!(
                    "Value {} at '{at}' failed to satisfy constraint: Member must have {what} greater than or equal to {min}",
                    brief(shape, value)
                ));
            }
        }
        if let Some(max) = shape["max"].as_u64() {
            if len as u64 > max {
                errors.push(format!(
                    "Value {} at '{at}' failed to satisfy constraint: Member must have {what} less than or equal to {max}",
                    brief(shape, value)
                ));
            }
        }
    }

    fn check_range(
        &self,
        shape: &Value,
        n: f64,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        if let Some(min) = shape["min"].as_f64() {
            if n < min {
                errors.push(format!(
                    "Value {} at '{at}' failed to satisfy constraint: Member must have value greater than or equal to {min}",
                    brief(shape, value)
                ));
            }
        }
        if let Some(max) = shape["max"].as_f64() {
            if n > max {
                errors.push(format!(
                    "Value {} at '{at}' failed to satisfy constraint: Member must have value less than or equal to {max}",
                    brief(shape, value)
                ));
            }
        }
    }

    /// `value` restricted to what shape `name` declares (recursively): unknown members and
    /// nulls are dropped, so a response can never carry a field the SDKs do not model.
    pub fn project(&self, name: &str, value: &Value) -> Value {
        let Some(shape) = self.shape(name) else {
            return value.clone();
        };
        match (shape["type"].as_str().unwrap_or(""), value) {
            ("structure", Value::Object(object)) => {
                let mut out = Map::new();
                if let Some(members) = shape["members"].as_object() {
                    for (key, member) in members {
                        if let Some(v) = object.get(key).filter(|v| !v.is_null()) {
                            let target = member["shape"].as_str().unwrap_or("");
                            out.insert(key.clone(), self.project(target, v));
                        }
                    }
                }
                Value::Object(out)
            }
            ("list", Value::Array(items)) => {
                let member = shape["member"]["shape"].as_str().unwrap_or("");
                Value::Array(items.iter().map(|i| self.project(member, i)).collect())
            }
            _ => value.clone(),
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A value as AWS quotes it in validation messages, shortened so a hostile 1 MB value does not
/// come back in the error, and redacted when the model marks the shape sensitive (user ids,
/// event properties), as AWS does.
fn brief(shape: &Value, value: &Value) -> String {
    if shape["sensitive"] == true {
        return "'*** Sensitive Data Redacted ***'".to_owned();
    }
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let short: String = text.chars().take(64).collect();
    if short.len() < text.len() {
        format!("'{short}...'")
    } else {
        format!("'{short}'")
    }
}

/// Formats violations as AWS does: "N validation error(s) detected: a; b".
pub fn violation_message(errors: &[String]) -> String {
    let n = errors.len();
    format!(
        "{n} validation error{} detected: {}",
        if n == 1 { "" } else { "s" },
        errors.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_model_patterns_compile() {
        for model in [control(), events(), runtime()] {
            for (p, re) in &model.patterns {
                assert!(re.is_some(), "pattern {p} does not compile");
            }
        }
    }

    #[test]
    fn names_are_matched_whole() {
        let m = control();
        assert!(m
            .validate("CreateDatasetGroupRequest", &json!({"name": "ok-name_1"}))
            .is_ok());
        let err = m
            .validate("CreateDatasetGroupRequest", &json!({"name": "bad name"}))
            .unwrap_err();
        assert!(err[0].contains("regular expression"), "{err:?}");
    }

    #[test]
    fn missing_wrong_type_and_length_are_reported() {
        let m = control();
        let err = m
            .validate("CreateDatasetGroupRequest", &json!({"tags": "x"}))
            .unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        assert!(err
            .iter()
            .any(|e| e.contains("'name'") && e.contains("null")));
        assert!(err
            .iter()
            .any(|e| e.contains("'tags'") && e.contains("a list")));
        let long = "a".repeat(64);
        let err = m
            .validate("CreateDatasetGroupRequest", &json!({ "name": long }))
            .unwrap_err();
        assert!(err[0].contains("less than or equal to 63"), "{err:?}");
    }

    #[test]
    fn enums_and_ranges() {
        let m = control();
        let err = m
            .validate("ListDatasetGroupsRequest", &json!({"maxResults": 0}))
            .unwrap_err();
        assert!(err[0].contains("greater than or equal to 1"));
        let err = m
            .validate(
                "CreateSolutionVersionRequest",
                &json!({"solutionArn": "arn:aws:personalize:us-east-1:1:solution/s", "trainingMode": "HALF"}),
            )
            .unwrap_err();
        assert!(err[0].contains("enum value set"), "{err:?}");
    }

    #[test]
    fn event_list_of_eleven_is_rejected() {
        let event = json!({"eventType": "click", "sentAt": 1.0});
        let list: Vec<Value> = (0..11).map(|_| event.clone()).collect();
        let err = events()
            .validate(
                "PutEventsRequest",
                &json!({"trackingId": "t", "sessionId": "s", "eventList": list}),
            )
            .unwrap_err();
        assert!(
            err[0].contains("'eventList'") && err[0].contains("10"),
            "{err:?}"
        );
    }

    #[test]
    fn projection_drops_unknown_members() {
        let out = control().project(
            "DatasetGroupSummary",
            &json!({"name": "a", "roleArn": "r", "status": "ACTIVE", "junk": 1}),
        );
        assert_eq!(out, json!({"name": "a", "status": "ACTIVE"}));
    }

    #[test]
    fn brief_shortens_hostile_values() {
        let long = Value::String("x".repeat(10_000));
        assert!(brief(&Value::Null, &long).len() < 80);
        let sensitive = serde_json::json!({"type": "string", "sensitive": true});
        assert!(brief(&sensitive, &Value::from("secret")).contains("Redacted"));
    }
}

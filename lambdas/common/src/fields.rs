//! Field-by-field checks on a parsed JSON body, each failure naming the field by its path
//! (`events[2].itemId`), so the caller learns exactly what to fix.

use serde_json::{Map, Value};

/// A field that is missing or invalid: its path and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// Path of the field (`userId`, `events[0].sentAt`, `Data.dateFrom`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<FieldError> for crate::ApiError {
    fn from(e: FieldError) -> Self {
        crate::ApiError::invalid(e.field, e.message)
    }
}

/// A JSON object being checked, with its path for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

/// The JSON type name of `v`, for messages like "must be a string, not a number".
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Fields<'a> {
    /// Checks that `value` (at `path`, empty for the body itself) is an object.
    pub fn object(value: &'a Value, path: &'a str) -> Result<Self, FieldError> {
        match value {
            Value::Object(map) => Ok(Self { map, path }),
            other => Err(FieldError::new(
                if path.is_empty() { "body" } else { path },
                format!("must be a JSON object, not {}", type_name(other)),
            )),
        }
    }

    /// Full path of a member.
    pub fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// Refuses members not in `known` (typos such as `userid` would otherwise be ignored).
    pub fn deny_unknown(&self, known: &[&str]) -> Result<(), FieldError> {
        let mut unknown: Vec<&String> = self
            .map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(first) => Err(FieldError::new(
                self.path_of(first),
                format!("unknown field; expected one of {}", known.join(", ")),
            )),
        }
    }

    /// A member, `None` when absent or `null`.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// A required string of `min..=max` characters.
    pub fn string(&self, name: &str, min: usize, max: usize) -> Result<String, FieldError> {
        self.opt_string(name, min, max)?
            .ok_or_else(|| FieldError::new(self.path_of(name), "is required"))
    }

    /// An optional string of `min..=max` characters.
    pub fn opt_string(
        &self,
        name: &str,
        min: usize,
        max: usize,
    ) -> Result<Option<String>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => string_value(v, &self.path_of(name), min, max).map(Some),
        }
    }

    /// A required array.
    pub fn array(&self, name: &str) -> Result<&'a Vec<Value>, FieldError> {
        match self.get(name) {
            None => Err(FieldError::new(self.path_of(name), "is required")),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(FieldError::new(
                self.path_of(name),
                format!("must be an array, not {}", type_name(other)),
            )),
        }
    }
}

/// `v` as a string of `min..=max` characters (counted as Unicode scalar values, as AWS
/// counts them), without control characters.
pub fn string_value(v: &Value, path: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let Value::String(s) = v else {
        return Err(FieldError::new(
            path,
            format!("must be a string, not {}", type_name(v)),
        ));
    };
    let len = s.chars().count();
    if len < min || len > max {
        return Err(FieldError::new(
            path,
            if min == 1 && len == 0 {
                "must not be empty".to_owned()
            } else {
                format!("must be {min} to {max} characters long, not {len}")
            },
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(path, "must not contain control characters"));
    }
    Ok(s.clone())
}

/// `v` as an integer in `min..=max`, accepting a JSON number or a decimal string (query
/// strings and the walkthrough's clients send numbers as strings).
pub fn integer_value(v: &Value, path: &str, min: i64, max: i64) -> Result<i64, FieldError> {
    let n = match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(n) => Err(FieldError::new(
            path,
            format!("must be between {min} and {max}, not {n}"),
        )),
        None => Err(FieldError::new(
            path,
            format!("must be an integer between {min} and {max}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_checked_for_type_length_and_control_characters() {
        let body = json!({"a": "x", "b": 3, "c": "", "d": "a\u{0}b", "e": "é".repeat(3)});
        let f = Fields::object(&body, "").unwrap();
        assert_eq!(f.string("a", 1, 5).unwrap(), "x");
        assert_eq!(
            f.string("b", 1, 5).unwrap_err().message,
            "must be a string, not a number"
        );
        assert_eq!(
            f.string("c", 1, 5).unwrap_err().message,
            "must not be empty"
        );
        assert!(f.string("d", 1, 5).unwrap_err().message.contains("control"));
        assert_eq!(f.string("e", 1, 3).unwrap(), "ééé");
        assert_eq!(
            f.string("zz", 1, 3).unwrap_err(),
            FieldError::new("zz", "is required")
        );
        assert_eq!(f.opt_string("zz", 1, 3).unwrap(), None);
    }

    #[test]
    fn nested_paths_and_unknown_fields() {
        let body = json!({"x": 1});
        let f = Fields::object(&body, "events[3]").unwrap();
        assert_eq!(f.deny_unknown(&["y"]).unwrap_err().field, "events[3].x");
        assert_eq!(
            Fields::object(&json!([1]), "").unwrap_err(),
            FieldError::new("body", "must be a JSON object, not an array")
        );
    }

    #[test]
    fn integers_accept_numbers_and_decimal_strings_only_in_range() {
        assert_eq!(integer_value(&json!(5), "n", 1, 10).unwrap(), 5);
        assert_eq!(integer_value(&json!("7"), "n", 1, 10).unwrap(), 7);
        assert_eq!(integer_value(&json!(5.0), "n", 1, 10).unwrap(), 5);
        assert!(integer_value(&json!(-1), "n", 1, 10).is_err());
        assert!(integer_value(&json!(1e300), "n", 1, 10).is_err());
        assert!(integer_value(&json!("99999999999999999999999"), "n", 1, 10).is_err());
        assert!(integer_value(&json!(2.5), "n", 1, 10).is_err());
        assert!(integer_value(&json!(true), "n", 1, 10).is_err());
    }
}

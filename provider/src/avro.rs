//! Avro schema checks and semantic comparison for `personalize_schema.schema`.
//!
//! Personalize takes the schema as a JSON string. Terraform compares strings byte for byte, so
//! the provider compares schemas as parsed JSON: whitespace and key order never show as a diff
//! between the configuration and what Personalize returns.

use serde_json::Value;

/// The API's limit on the schema string.
pub const MAX_LEN: usize = 10_000;

const PRIMITIVES: &[&str] = &[
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

/// Checks that `text` is an Avro record schema Personalize can take.
///
/// # Errors
/// A message naming the first problem found (with the field when there is one).
pub fn check(text: &str) -> Result<(), String> {
    if text.len() > MAX_LEN {
        return Err(format!(
            "the schema is {} characters long; Personalize accepts at most {MAX_LEN}",
            text.len()
        ));
    }
    let json: Value =
        serde_json::from_str(text).map_err(|e| format!("the schema is not valid JSON: {e}"))?;
    let record = json
        .as_object()
        .ok_or("the schema must be a JSON object (an Avro record)")?;
    if record.get("type").and_then(Value::as_str) != Some("record") {
        return Err("the schema's \"type\" must be \"record\"".into());
    }
    let name = record
        .get("name")
        .and_then(Value::as_str)
        .ok_or("the schema needs a \"name\"")?;
    avro_name(name).map_err(|e| format!("schema name: {e}"))?;
    let fields = record
        .get("fields")
        .and_then(Value::as_array)
        .ok_or("the schema needs a \"fields\" array")?;
    if fields.is_empty() {
        return Err("the schema's \"fields\" array is empty".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, field) in fields.iter().enumerate() {
        let name = field
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("field {i} has no \"name\""))?;
        avro_name(name).map_err(|e| format!("field {i}: {e}"))?;
        if !seen.insert(name) {
            return Err(format!("field {name:?} appears twice"));
        }
        let ty = field
            .get("type")
            .ok_or_else(|| format!("field {name:?} has no \"type\""))?;
        field_type(ty).map_err(|e| format!("field {name:?}: {e}"))?;
    }
    Ok(())
}

fn avro_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "{name:?} is not an Avro name (letters, digits and '_', not starting with a digit)"
        ));
    }
    Ok(())
}

fn field_type(ty: &Value) -> Result<(), String> {
    match ty {
        Value::String(s) if PRIMITIVES.contains(&s.as_str()) => Ok(()),
        Value::String(s) => Err(format!("{s:?} is not an Avro primitive type")),
        Value::Array(union) if !union.is_empty() => union.iter().try_for_each(field_type),
        Value::Array(_) => Err("an empty union is not a type".into()),
        Value::Object(o) => match o.get("type") {
            Some(inner) => field_type(inner),
            None => Err("a complex type needs a \"type\"".into()),
        },
        _ => Err(format!("{ty} is not an Avro type")),
    }
}

/// Whether two schema strings are the same JSON (formatting and key order aside).
pub fn equivalent(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERACTIONS: &str = r#"{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_VALUE","type":["null","float"],"default":null}],"version":"1.0"}"#;

    #[test]
    fn accepts_the_walkthrough_schema() {
        check(INTERACTIONS).unwrap();
    }

    #[test]
    fn formatting_and_key_order_are_equivalent() {
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(INTERACTIONS).unwrap())
                .unwrap();
        let reordered = INTERACTIONS.replace(
            r#""type":"record","name":"Interactions""#,
            r#""name":"Interactions","type":"record""#,
        );
        assert!(equivalent(INTERACTIONS, &pretty));
        assert!(equivalent(INTERACTIONS, &reordered));
        assert!(!equivalent(
            INTERACTIONS,
            &INTERACTIONS.replace("long", "int")
        ));
    }

    #[test]
    fn refuses_malformed_schemas_precisely() {
        let cases = [
            ("{", "not valid JSON"),
            ("[]", "JSON object"),
            (r#"{"type":"enum","name":"X","fields":[]}"#, "\"record\""),
            (r#"{"type":"record","fields":[]}"#, "\"name\""),
            (r#"{"type":"record","name":"1x","fields":[]}"#, "Avro name"),
            (r#"{"type":"record","name":"X"}"#, "\"fields\""),
            (r#"{"type":"record","name":"X","fields":[]}"#, "empty"),
            (
                r#"{"type":"record","name":"X","fields":[{"type":"string"}]}"#,
                "no \"name\"",
            ),
            (
                r#"{"type":"record","name":"X","fields":[{"name":"A"}]}"#,
                "no \"type\"",
            ),
            (
                r#"{"type":"record","name":"X","fields":[{"name":"A","type":"varchar"}]}"#,
                "primitive",
            ),
            (
                r#"{"type":"record","name":"X","fields":[{"name":"A","type":[]}]}"#,
                "empty union",
            ),
            (
                r#"{"type":"record","name":"X","fields":[{"name":"A","type":"int"},{"name":"A","type":"int"}]}"#,
                "twice",
            ),
            (
                r#"{"type":"record","name":"X","fields":[{"name":"A-B","type":"int"}]}"#,
                "Avro name",
            ),
        ];
        for (text, want) in cases {
            let err = check(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
        let huge = format!(
            r#"{{"type":"record","name":"X","fields":[{{"name":"A","type":"int","doc":"{}"}}]}}"#,
            "x".repeat(MAX_LEN)
        );
        assert!(check(&huge).unwrap_err().contains("at most"));
    }
}

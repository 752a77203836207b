//! Dataset import jobs: fetch the CSV (a file or every object under a prefix) from the data
//! root or from S3, check it against the dataset's schema and turn it into rows. Any problem is
//! the job's failureReason, naming the object, line and column.

use std::collections::BTreeMap;

use personalize_recommender::{Interaction, Item, User, Value as Attr};

use super::avro::{self, DatasetType, Schema};
use crate::state::Rows;

/// Parses the objects' CSV into rows of `ty`, checking every cell against `schema`.
///
/// # Errors
/// The failureReason, naming the object, line and column.
pub fn parse_rows(
    schema: &Schema,
    ty: DatasetType,
    objects: &[(String, Vec<u8>)],
) -> Result<Rows, String> {
    let mut rows = match ty {
        DatasetType::Interactions => Rows::Interactions(Vec::new()),
        DatasetType::Items => Rows::Items(Vec::new()),
        DatasetType::Users => Rows::Users(Vec::new()),
        DatasetType::Actions => Rows::Actions(Vec::new()),
        DatasetType::ActionInteractions => Rows::ActionInteractions(Vec::new()),
    };
    for (name, bytes) in objects {
        parse_object(schema, name, bytes, &mut rows)?;
    }
    Ok(rows)
}

fn parse_object(schema: &Schema, name: &str, bytes: &[u8], rows: &mut Rows) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| format!("{name}: cannot read the header line: {e}"))?
        .clone();
    let mut columns = Vec::new();
    for h in headers.iter() {
        let field = schema
            .field(h.trim())
            .ok_or_else(|| format!("{name}, line 1: column {h:?} is not in the schema"))?;
        if columns.iter().any(|c: &&avro::Field| c.name == field.name) {
            return Err(format!("{name}, line 1: column {h:?} appears twice"));
        }
        columns.push(field);
    }
    for f in &schema.fields {
        if !f.nullable && !columns.iter().any(|c| c.name == f.name) {
            return Err(format!(
                "{name}, line 1: required column {} is missing",
                f.name
            ));
        }
    }
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("{name}, line {line}: {e}"))?;
        if record.len() != columns.len() {
            return Err(format!(
                "{name}, line {line}: {} values for {} columns",
                record.len(),
                columns.len()
            ));
        }
        let mut attrs = BTreeMap::new();
        for (field, cell) in columns.iter().zip(record.iter()) {
            if let Some(v) = avro::convert(field, cell)
                .map_err(|e| format!("{name}, line {line}, column {}: {e}", field.name))?
            {
                attrs.insert(field.name.to_ascii_uppercase(), v);
            }
        }
        push_row(rows, attrs).map_err(|e| format!("{name}, line {line}: {e}"))?;
    }
    Ok(())
}

fn take_str(attrs: &mut BTreeMap<String, Attr>, key: &str) -> Option<String> {
    match attrs.remove(key)? {
        Attr::Str(s) => Some(s),
        Attr::Num(n) => Some(n.to_string()),
        Attr::Bool(b) => Some(b.to_string()),
    }
}

/// Adds one row's attributes to `rows`, moving the key columns into their fields.
///
/// # Errors
/// When a key column is missing.
pub fn push_row(rows: &mut Rows, mut attrs: BTreeMap<String, Attr>) -> Result<(), String> {
    match rows {
        Rows::Interactions(v) => {
            let user_id = take_str(&mut attrs, "USER_ID").ok_or("USER_ID is empty")?;
            let item_id = take_str(&mut attrs, "ITEM_ID").ok_or("ITEM_ID is empty")?;
            let timestamp = match attrs.remove("TIMESTAMP") {
                Some(Attr::Num(n)) => n as i64,
                _ => return Err("TIMESTAMP is empty".into()),
            };
            let event_type = take_str(&mut attrs, "EVENT_TYPE").unwrap_or_default();
            let event_value = match attrs.remove("EVENT_VALUE") {
                Some(Attr::Num(n)) => Some(n),
                _ => None,
            };
            let session_id = take_str(&mut attrs, "SESSION_ID");
            v.push(Interaction {
                user_id,
                item_id,
                timestamp,
                event_type,
                event_value,
                session_id,
                attributes: attrs,
            });
        }
        Rows::Items(v) => {
            let item_id = take_str(&mut attrs, "ITEM_ID").ok_or("ITEM_ID is empty")?;
            v.push(Item {
                item_id,
                attributes: attrs,
            });
        }
        Rows::Users(v) => {
            let user_id = take_str(&mut attrs, "USER_ID").ok_or("USER_ID is empty")?;
            v.push(User {
                user_id,
                attributes: attrs,
            });
        }
        Rows::Actions(v) => {
            let item_id = take_str(&mut attrs, "ACTION_ID").ok_or("ACTION_ID is empty")?;
            v.push(Item {
                item_id,
                attributes: attrs,
            });
        }
        Rows::ActionInteractions(v) => {
            let user_id = take_str(&mut attrs, "USER_ID").ok_or("USER_ID is empty")?;
            let item_id = take_str(&mut attrs, "ACTION_ID").ok_or("ACTION_ID is empty")?;
            let timestamp = match attrs.remove("TIMESTAMP") {
                Some(Attr::Num(n)) => n as i64,
                _ => return Err("TIMESTAMP is empty".into()),
            };
            let event_type = take_str(&mut attrs, "EVENT_TYPE").unwrap_or_default();
            check_action_event_type(&event_type)?;
            let session_id = take_str(&mut attrs, "SESSION_ID");
            v.push(Interaction {
                user_id,
                item_id,
                timestamp,
                event_type,
                event_value: None,
                session_id,
                attributes: attrs,
            });
        }
    }
    Ok(())
}

/// An action interaction's EVENT_TYPE must be one of the three AWS defines: "An action
/// interaction event must have an event type attribute, which can be one of the following:
/// Taken ... Not Taken ... Viewed" (Recording real-time action interaction events).
///
/// # Errors
/// Names the value and the accepted ones.
pub fn check_action_event_type(event_type: &str) -> Result<(), String> {
    match personalize_recommender::actions::ActionEvent::parse(event_type) {
        Some(_) => Ok(()),
        None => Err(format!(
            "EVENT_TYPE {event_type:?} is not an action interaction type: use TAKEN, NOT_TAKEN or VIEWED (Taken, Not Taken, Viewed)"
        )),
    }
}

/// Merges `new` into `old` for an INCREMENTAL import: interactions and action interactions
/// append; items, users and actions replace the entry with the same id.
pub fn merge(old: Rows, new: Rows) -> Rows {
    match (old, new) {
        (Rows::Interactions(mut a), Rows::Interactions(b)) => {
            a.extend(b);
            Rows::Interactions(a)
        }
        (Rows::Items(a), Rows::Items(b)) => {
            let mut by_id: BTreeMap<String, Item> =
                a.into_iter().map(|i| (i.item_id.clone(), i)).collect();
            by_id.extend(b.into_iter().map(|i| (i.item_id.clone(), i)));
            Rows::Items(by_id.into_values().collect())
        }
        (Rows::ActionInteractions(mut a), Rows::ActionInteractions(b)) => {
            a.extend(b);
            Rows::ActionInteractions(a)
        }
        (Rows::Actions(a), Rows::Actions(b)) => {
            let mut by_id: BTreeMap<String, Item> =
                a.into_iter().map(|i| (i.item_id.clone(), i)).collect();
            by_id.extend(b.into_iter().map(|i| (i.item_id.clone(), i)));
            Rows::Actions(by_id.into_values().collect())
        }
        (Rows::Users(a), Rows::Users(b)) => {
            let mut by_id: BTreeMap<String, User> =
                a.into_iter().map(|u| (u.user_id.clone(), u)).collect();
            by_id.extend(b.into_iter().map(|u| (u.user_id.clone(), u)));
            Rows::Users(by_id.into_values().collect())
        }
        (_, new) => new,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        avro::parse(
            r#"{"type":"record","name":"I","fields":[{"name":"USER_ID","type":"string"},
            {"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},
            {"name":"EVENT_TYPE","type":"string"},{"name":"EVENT_VALUE","type":["null","float"]}]}"#,
        )
        .unwrap()
    }

    fn parse(csv: &str) -> Result<Rows, String> {
        parse_rows(
            &schema(),
            DatasetType::Interactions,
            &[("s3://b/k".into(), csv.as_bytes().to_vec())],
        )
    }

    #[test]
    fn good_csv_becomes_interactions() {
        let rows = parse("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n1,10,100,click\n2,20,200,watch\n")
            .unwrap();
        let Rows::Interactions(v) = rows else {
            panic!()
        };
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].item_id, "20");
        assert_eq!(v[1].timestamp, 200);
        assert_eq!(v[0].event_type, "click");
        assert!(v[0].attributes.is_empty());
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n1,10,100,click\n2,20,soon,watch\n")
            .unwrap_err();
        assert!(
            e.contains("line 3") && e.contains("column TIMESTAMP"),
            "{e}"
        );
        let e = parse("USER_ID,ITEM_ID,EVENT_TYPE\n1,10,click\n").unwrap_err();
        assert!(e.contains("TIMESTAMP is missing"), "{e}");
        let e = parse("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,COLOUR\n").unwrap_err();
        assert!(e.contains("COLOUR"), "{e}");
        let e = parse("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n1,10,100\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn incremental_items_replace_by_id() {
        let item = |id: &str, n: f64| Item {
            item_id: id.into(),
            attributes: [("YEAR".to_owned(), Attr::Num(n))].into(),
        };
        let merged = merge(
            Rows::Items(vec![item("a", 1.0), item("b", 1.0)]),
            Rows::Items(vec![item("a", 2.0)]),
        );
        let Rows::Items(v) = merged else { panic!() };
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].attributes["YEAR"], Attr::Num(2.0));
    }
}

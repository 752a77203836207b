//! Dataset export jobs: the IN_PROGRESS work writes a dataset's records as CSV.
//!
//! Developer guide, "Exporting the training data in a dataset to Amazon S3": a job "outputs
//! the records in a dataset to one or more CSV files", with "a header row with column names
//! that match the fields in the dataset's schema". `ingestionMode` picks the records: BULK
//! (imported by dataset import jobs), PUT (PutEvents / PutItems / PutUsers; the default, as
//! API_CreateDatasetExportJob gives it) or ALL. "For records that match exactly for all
//! fields, Amazon Personalize exports just one record"; with ALL, items and users keep only
//! the newest record of each id, while interactions are all exported.

use std::collections::{BTreeMap, HashMap, HashSet};

use personalize_recommender::{Interaction, Item, User, Value as Attr};
use serde_json::Value;

use super::avro::{self, FieldType, Schema};
use super::batch::Output;
use super::objects;
use crate::lifecycle::Apply;
use crate::state::{Kind, LogEntry, Rows, Txn, View, Writes};
use crate::AppState;

/// Which records an export takes (`ingestionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Imported by dataset import jobs.
    Bulk,
    /// Arrived through PutEvents, PutItems or PutUsers.
    Put,
    /// Both.
    All,
}

impl Mode {
    /// Parses `BULK`, `PUT` or `ALL` (the model has checked the enum).
    pub fn parse(s: &str) -> Self {
        match s {
            "BULK" => Mode::Bulk,
            "ALL" => Mode::All,
            _ => Mode::Put,
        }
    }
}

/// One record: its id (items and users) and its cells by upper-case column name.
struct Record {
    id: Option<String>,
    cells: BTreeMap<String, Attr>,
}

fn interaction(i: &Interaction) -> Record {
    let mut cells = i.attributes.clone();
    cells.insert("USER_ID".into(), Attr::Str(i.user_id.clone()));
    cells.insert("ITEM_ID".into(), Attr::Str(i.item_id.clone()));
    cells.insert("TIMESTAMP".into(), Attr::Num(i.timestamp as f64));
    if !i.event_type.is_empty() {
        cells.insert("EVENT_TYPE".into(), Attr::Str(i.event_type.clone()));
    }
    if let Some(v) = i.event_value {
        cells.insert("EVENT_VALUE".into(), Attr::Num(v));
    }
    if let Some(s) = &i.session_id {
        cells.insert("SESSION_ID".into(), Attr::Str(s.clone()));
    }
    Record { id: None, cells }
}

/// An action interaction: an interaction whose item is the ACTION_ID.
fn action_interaction(i: &Interaction) -> Record {
    let mut record = interaction(i);
    if let Some(id) = record.cells.remove("ITEM_ID") {
        record.cells.insert("ACTION_ID".into(), id);
    }
    record
}

/// An action: an item whose id is the ACTION_ID.
fn action(i: &Item) -> Record {
    let mut cells = i.attributes.clone();
    cells.insert("ACTION_ID".into(), Attr::Str(i.item_id.clone()));
    Record {
        id: Some(i.item_id.clone()),
        cells,
    }
}

fn item(i: &Item) -> Record {
    let mut cells = i.attributes.clone();
    cells.insert("ITEM_ID".into(), Attr::Str(i.item_id.clone()));
    Record {
        id: Some(i.item_id.clone()),
        cells,
    }
}

fn user(u: &User) -> Record {
    let mut cells = u.attributes.clone();
    cells.insert("USER_ID".into(), Attr::Str(u.user_id.clone()));
    Record {
        id: Some(u.user_id.clone()),
        cells,
    }
}

/// The dataset's records for `mode`, bulk first, then put records in arrival order.
fn records(inner: &impl View, dataset_arn: &str, group: &str, mode: Mode) -> Vec<Record> {
    let mut out = Vec::new();
    if mode != Mode::Put {
        match inner.rows().get(dataset_arn) {
            Some(Rows::Interactions(v)) => out.extend(v.iter().map(interaction)),
            Some(Rows::Items(v)) => out.extend(v.iter().map(item)),
            Some(Rows::Users(v)) => out.extend(v.iter().map(user)),
            Some(Rows::Actions(v)) => out.extend(v.iter().map(action)),
            Some(Rows::ActionInteractions(v)) => out.extend(v.iter().map(action_interaction)),
            None => {}
        }
    }
    if mode != Mode::Bulk {
        let ty = inner
            .records()
            .get(dataset_arn)
            .and_then(|d| d.str("datasetType"))
            .and_then(|t| avro::DatasetType::parse(t).ok());
        for (_, entry) in inner
            .logs()
            .get(group)
            .map(|l| &l.entries[..])
            .unwrap_or(&[])
        {
            match (ty, entry) {
                (
                    Some(avro::DatasetType::Interactions),
                    LogEntry::Event { interaction: i, .. }
                    | LogEntry::Repeat { interaction: i, .. }
                    | LogEntry::Anonymous { interaction: i, .. },
                ) => out.push(interaction(i)),
                (Some(avro::DatasetType::Items), LogEntry::Item(i)) => out.push(item(i)),
                (Some(avro::DatasetType::Users), LogEntry::User(u)) => out.push(user(u)),
                (Some(avro::DatasetType::Actions), LogEntry::Action(a)) => out.push(action(a)),
                (
                    Some(avro::DatasetType::ActionInteractions),
                    LogEntry::ActionEvent { interaction: i, .. },
                ) => out.push(action_interaction(i)),
                _ => {}
            }
        }
    }
    out
}

fn cell(field: &avro::Field, value: Option<&Attr>) -> String {
    match value {
        None => String::new(),
        Some(Attr::Str(s)) => s.clone(),
        Some(Attr::Bool(b)) => b.to_string(),
        Some(Attr::Num(n)) => match field.ty {
            FieldType::Int | FieldType::Long if n.fract() == 0.0 => format!("{}", *n as i64),
            _ => format!("{n}"),
        },
    }
}

/// The CSV text of `records` under `schema`'s columns: exact duplicates once; with `newest`
/// (ALL on items or users) only the last record of each id, at the place of its id's first.
fn csv_of(schema: &Schema, records: &[Record], newest: bool) -> Result<Vec<u8>, String> {
    let rows: Vec<(Option<&str>, Vec<String>)> = records
        .iter()
        .map(|r| {
            let cells = schema
                .fields
                .iter()
                .map(|f| cell(f, r.cells.get(&f.name.to_ascii_uppercase())))
                .collect();
            (r.id.as_deref(), cells)
        })
        .collect();
    let mut last: HashMap<&str, usize> = HashMap::new();
    if newest {
        for (k, (id, _)) in rows.iter().enumerate() {
            if let Some(id) = id {
                last.insert(id, k);
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(schema.fields.iter().map(|f| f.name.as_str()))
        .map_err(|e| e.to_string())?;
    let mut seen: HashSet<&Vec<String>> = HashSet::new();
    let mut ids_written: HashSet<&str> = HashSet::new();
    for (id, cells) in &rows {
        let cells = match (newest, id) {
            (true, Some(id)) => {
                if !ids_written.insert(id) {
                    continue;
                }
                &rows[last[id]].1
            }
            _ => cells,
        };
        if seen.insert(cells) {
            writer.write_record(cells).map_err(|e| e.to_string())?;
        }
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// The job's work: the dataset's records for the job's `ingestionMode`, as CSV at
/// `<output path><job name>.csv`. `Err` is the failureReason.
pub async fn run(server: AppState, job_arn: String) -> Result<Apply, String> {
    let (location, text) = {
        let inner = server.state.read();
        let job = inner
            .get(Kind::DatasetExportJob, &job_arn)
            .map_err(|e| e.message)?;
        let dataset_arn = job.parent(Kind::Dataset).unwrap_or("");
        let dataset = inner
            .get(Kind::Dataset, dataset_arn)
            .map_err(|_| format!("The dataset {dataset_arn} no longer exists"))?;
        let schema = inner
            .get(Kind::Schema, dataset.parent(Kind::Schema).unwrap_or(""))
            .map_err(|e| e.message)?;
        let schema = avro::parse(schema.str("schema").unwrap_or(""))?;
        let ty = avro::DatasetType::parse(dataset.str("datasetType").unwrap_or(""))?;
        let mode = Mode::parse(job.str("ingestionMode").unwrap_or("PUT"));
        let group = dataset.parent(Kind::DatasetGroup).unwrap_or("");
        let records = records(&*inner, dataset_arn, group, mode);
        let newest = mode == Mode::All && ty != avro::DatasetType::Interactions;
        let path = job
            .body
            .get("jobOutput")
            .and_then(|o| o.get("s3DataDestination"))
            .and_then(|d| d.get("path"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let output = Output::parse(path)?;
        let name = job.str("jobName").unwrap_or("export");
        (
            output.location(&format!("{name}.csv")),
            csv_of(&schema, &records, newest)?,
        )
    };
    let region = super::region_of_arn(&job_arn).to_owned();
    objects::store(&server.config, &region, &location, text).await?;
    Ok(Box::new(|_: &mut Txn<'_>, _: &mut Writes| {}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        avro::parse(
            r#"{"type":"record","name":"Items","fields":[{"name":"ITEM_ID","type":"string"},
            {"name":"GENRE","type":["null","string"],"categorical":true},
            {"name":"YEAR","type":["null","int"]},{"name":"PRICE","type":["null","double"]}]}"#,
        )
        .unwrap()
    }

    fn it(id: &str, genre: &str, year: f64) -> Record {
        item(&Item {
            item_id: id.into(),
            attributes: [
                ("GENRE".to_owned(), Attr::Str(genre.into())),
                ("YEAR".to_owned(), Attr::Num(year)),
            ]
            .into(),
        })
    }

    #[test]
    fn header_is_the_schema_and_exact_duplicates_go_once() {
        let records = [
            it("a", "Comedy|Drama", 1999.0),
            it("a", "Comedy|Drama", 1999.0),
            it("a", "Horror", 2001.0),
        ];
        let text = String::from_utf8(csv_of(&schema(), &records, false).unwrap()).unwrap();
        assert_eq!(
            text,
            "ITEM_ID,GENRE,YEAR,PRICE\na,Comedy|Drama,1999,\na,Horror,2001,\n"
        );
    }

    #[test]
    fn all_keeps_the_newest_record_of_each_id() {
        let records = [
            it("a", "Comedy", 1999.0),
            it("b", "Drama", 2000.0),
            it("a", "Horror", 2001.0),
        ];
        let text = String::from_utf8(csv_of(&schema(), &records, true).unwrap()).unwrap();
        assert_eq!(
            text,
            "ITEM_ID,GENRE,YEAR,PRICE\na,Horror,2001,\nb,Drama,2000,\n"
        );
    }

    #[test]
    fn cells_are_quoted_when_they_need_it() {
        let records = [it("x,y", "say \"hi\"", 1.0)];
        let text = String::from_utf8(csv_of(&schema(), &records, false).unwrap()).unwrap();
        assert!(text.ends_with("\"x,y\",\"say \"\"hi\"\"\",1,\n"), "{text}");
    }
}

//! The walkthrough's data (`examples/movies/data`) in the VIDEO_ON_DEMAND domain's format, the
//! one conversion behind the local demo's `--domain` variant, the module test on domain
//! dataset groups and `cargo xtask movies-domain-data` (the files `examples/movies-domain`
//! uploads).
//!
//! The domain's required fields ("VIDEO_ON_DEMAND datasets and schemas", Amazon Personalize
//! developer guide): Interactions USER_ID, ITEM_ID, TIMESTAMP and EVENT_TYPE, whose use cases
//! train on `Watch` events (and `Click`); Items ITEM_ID, GENRES (categorical) and
//! CREATION_TIMESTAMP. So event types are capitalised (`watch` → `Watch`), GENRE is renamed
//! GENRES (its `|`-separated values are already the categorical format), and the release YEAR
//! becomes CREATION_TIMESTAMP, 1 January of that year at 00:00 UTC in epoch seconds (the first
//! year of a range such as `2006–2007`; 1970 when there is none).

use std::fs;
use std::path::Path;

use anyhow::{bail, Context};

/// The converted files, as (name, what they hold).
pub const FILES: [(&str, &str); 2] = [
    ("interactions.csv", "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"),
    ("items.csv", "ITEM_ID,GENRES,CREATION_TIMESTAMP"),
];

/// The walkthrough's files this reads, in `examples/movies/data`.
pub const SOURCES: [&str; 2] = ["interactions.csv", "item-meta.csv"];

/// `interactions.csv` of the walkthrough, with capitalised event types.
///
/// # Errors
/// When the header is not the walkthrough's or a row lacks a field; the message names the line.
pub fn interactions(text: &str) -> anyhow::Result<String> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    if header.trim_end() != "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE" {
        bail!("interactions.csv: header {header:?}, expected USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE");
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(FILES[0].1);
    out.push('\n');
    for (n, line) in lines.enumerate() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let [user, item, timestamp, event_type] = fields[..] else {
            bail!(
                "interactions.csv line {}: {} fields, expected 4",
                n + 2,
                fields.len()
            );
        };
        if event_type.is_empty() {
            bail!("interactions.csv line {}: empty EVENT_TYPE", n + 2);
        }
        out.push_str(&format!(
            "{user},{item},{timestamp},{}\n",
            capitalised(event_type)
        ));
    }
    Ok(out)
}

/// `item-meta.csv` of the walkthrough as the domain's Items: GENRES and CREATION_TIMESTAMP.
///
/// # Errors
/// When the header is not the walkthrough's or a row lacks a field; the message names the line.
pub fn items(text: &str) -> anyhow::Result<String> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    if header.trim_end() != "ITEM_ID,GENRE,YEAR" {
        bail!("item-meta.csv: header {header:?}, expected ITEM_ID,GENRE,YEAR");
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(FILES[1].1);
    out.push('\n');
    for (n, line) in lines.enumerate() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let [item, genres, year] = fields[..] else {
            bail!(
                "item-meta.csv line {}: {} fields, expected 3",
                n + 2,
                fields.len()
            );
        };
        out.push_str(&format!("{item},{genres},{}\n", creation_timestamp(year)));
    }
    Ok(out)
}

/// Reads the walkthrough's files from `from` and writes [`FILES`] to `to` (created).
///
/// # Errors
/// When a file cannot be read or written, or is not the walkthrough's.
pub fn convert_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let read = |name: &str| {
        let path = from.join(name);
        fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let converted = [
        interactions(&read(SOURCES[0])?)?,
        items(&read(SOURCES[1])?)?,
    ];
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for ((name, _), text) in FILES.iter().zip(converted) {
        let path = to.join(name);
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// 1 January of the year `year` starts with, 00:00 UTC, in epoch seconds; 0 without a year.
fn creation_timestamp(year: &str) -> i64 {
    let digits: String = year.chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<i64>() {
        Ok(y) if digits.len() == 4 => days_before_year(y) * 86_400,
        _ => 0,
    }
}

/// Days from 1970-01-01 to 1 January of `year` (proleptic Gregorian).
fn days_before_year(year: i64) -> i64 {
    let leaps = |y: i64| y / 4 - y / 100 + y / 400;
    365 * (year - 1970) + leaps(year - 1) - leaps(1969)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactions_get_the_domain_s_event_types() {
        let out = interactions("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n429,222,828124615,watch\n429,227,828124615,click\n").unwrap();
        assert_eq!(
            out,
            "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n429,222,828124615,Watch\n429,227,828124615,Click\n"
        );
    }

    #[test]
    fn items_get_genres_and_a_creation_timestamp() {
        let out = items("ITEM_ID,GENRE,YEAR\n1,Adventure|Comedy,1995\n2,Drama,2006–2007\n3,Drama,\n4,Comedy,2000\n").unwrap();
        assert_eq!(
            out,
            "ITEM_ID,GENRES,CREATION_TIMESTAMP\n1,Adventure|Comedy,788918400\n2,Drama,1136073600\n3,Drama,0\n4,Comedy,946684800\n"
        );
    }

    #[test]
    fn files_that_are_not_the_walkthrough_s_are_refused_with_the_line() {
        for (result, expected) in [
            (interactions("USER,ITEM\n"), "header \"USER,ITEM\""),
            (
                interactions("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n1,2,3\n"),
                "line 2: 3 fields",
            ),
            (
                interactions("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n1,2,3,\n"),
                "line 2: empty EVENT_TYPE",
            ),
            (items("ITEM_ID,GENRES\n"), "expected ITEM_ID,GENRE,YEAR"),
            (items("ITEM_ID,GENRE,YEAR\n1,a,2,3\n"), "line 2: 4 fields"),
        ] {
            let e = result.unwrap_err().to_string();
            assert!(e.contains(expected), "{e}");
        }
    }

    #[test]
    fn the_walkthrough_data_converts_row_for_row() {
        let dir = tempfile::tempdir().unwrap();
        let data = crate::paths::project_file("examples/movies/data");
        convert_dir(&data, dir.path()).unwrap();
        for ((name, header), source) in FILES.iter().zip(SOURCES) {
            let out = fs::read_to_string(dir.path().join(name)).unwrap();
            let original = fs::read_to_string(data.join(source)).unwrap();
            assert_eq!(out.lines().next(), Some(*header));
            assert_eq!(out.lines().count(), original.lines().count(), "{name}");
        }
    }
}

//! Data deletion jobs: read the CSV of USER_IDs and remove those users from a dataset group.
//!
//! Developer guide, "Deleting users and their data with a data deletion job": "you can delete
//! users and their data, including their metadata and interactions data, from a dataset
//! group", and "After you delete users, Amazon Personalize no longer trains on their data".
//! The input is "a CSV file with a single USER_ID column" (API_CreateDataDeletionJob). So the
//! users' imported interactions and Users rows, and their PutEvents / PutUsers records, go:
//! later trainings, exports and real-time events no longer see them. Trained models are not
//! touched: "Until the job completes, Amazon Personalize continues to use the data when
//! training", and a model trained before keeps serving as it was until a new version is
//! trained.

use std::collections::HashSet;

use crate::state::{Kind, LogEntry, Rows, Txn, View, Write, Writes};

/// The USER_IDs of the deletion list's objects (a header row naming USER_ID, then one id per
/// row; blank lines are skipped).
///
/// # Errors
/// The failureReason, naming the object and line.
pub fn parse_users(objects: &[(String, Vec<u8>)]) -> Result<HashSet<String>, String> {
    let mut users = HashSet::new();
    for (name, bytes) in objects {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(&bytes[..]);
        let headers = reader
            .headers()
            .map_err(|e| format!("{name}: cannot read the header line: {e}"))?
            .clone();
        let columns: Vec<&str> = headers.iter().map(str::trim).collect();
        if columns.len() != 1 || !columns[0].eq_ignore_ascii_case("USER_ID") {
            return Err(format!(
                "{name}, line 1: the file must have a single USER_ID column, found {columns:?}"
            ));
        }
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.map_err(|e| format!("{name}, line {line}: {e}"))?;
            let id = record.get(0).unwrap_or("").trim();
            if record.len() != 1 {
                return Err(format!(
                    "{name}, line {line}: {} values for the single USER_ID column",
                    record.len()
                ));
            }
            if id.is_empty() {
                return Err(format!("{name}, line {line}: USER_ID is empty"));
            }
            if id.len() > 256 {
                return Err(format!(
                    "{name}, line {line}: USER_ID is longer than 256 characters"
                ));
            }
            users.insert(id.to_owned());
        }
    }
    if users.is_empty() {
        return Err("The deletion list names no USER_ID".into());
    }
    Ok(users)
}

/// Removes `users` from `group`: their rows in the group's Interactions, Users and Action
/// interactions datasets, their events and action interactions, their PutUsers records, and the anonymous events of sessions that an event
/// of theirs linked to them (training would stitch those to them). Returns the number of
/// records removed (the job's `numDeleted`).
pub fn delete_users(
    txn: &mut Txn<'_>,
    writes: &mut Writes,
    group: &str,
    users: &HashSet<String>,
) -> u64 {
    let mut deleted = 0u64;
    let datasets: Vec<String> = txn
        .children(Kind::Dataset, Kind::DatasetGroup, group)
        .map(|d| d.arn().to_owned())
        .collect();
    for arn in datasets {
        let kept = match txn.rows().get(&arn) {
            Some(Rows::Interactions(v)) => {
                let kept: Vec<_> = v
                    .iter()
                    .filter(|i| !users.contains(&i.user_id))
                    .cloned()
                    .collect();
                deleted += (v.len() - kept.len()) as u64;
                (kept.len() != v.len()).then_some(Rows::Interactions(kept))
            }
            Some(Rows::Users(v)) => {
                let kept: Vec<_> = v
                    .iter()
                    .filter(|u| !users.contains(&u.user_id))
                    .cloned()
                    .collect();
                deleted += (v.len() - kept.len()) as u64;
                (kept.len() != v.len()).then_some(Rows::Users(kept))
            }
            Some(Rows::ActionInteractions(v)) => {
                let kept: Vec<_> = v
                    .iter()
                    .filter(|i| !users.contains(&i.user_id))
                    .cloned()
                    .collect();
                deleted += (v.len() - kept.len()) as u64;
                (kept.len() != v.len()).then_some(Rows::ActionInteractions(kept))
            }
            _ => None,
        };
        if let Some(rows) = kept {
            writes.push(Write::Rows(arn, Some(rows)));
        }
    }
    if let Some(log) = txn.logs().get(group) {
        let sessions: HashSet<&str> = log
            .entries
            .iter()
            .filter_map(|(_, e)| match e {
                LogEntry::Event { interaction, .. } if users.contains(&interaction.user_id) => {
                    interaction.session_id.as_deref()
                }
                _ => None,
            })
            .collect();
        let seqs: Vec<u64> = log
            .entries
            .iter()
            .filter(|(_, e)| match e {
                LogEntry::Event { interaction, .. } | LogEntry::Repeat { interaction, .. } => {
                    users.contains(&interaction.user_id)
                }
                LogEntry::Anonymous { interaction, .. } => {
                    users.contains(&interaction.user_id)
                        || sessions.contains(interaction.user_id.as_str())
                }
                LogEntry::User(u) => users.contains(&u.user_id),
                LogEntry::ActionEvent { interaction, .. } => users.contains(&interaction.user_id),
                LogEntry::Item(_) | LogEntry::Action(_) => false,
            })
            .map(|(seq, _)| *seq)
            .collect();
        deleted += seqs.len() as u64;
        if !seqs.is_empty() {
            writes.push(Write::DropLogEntries(group.to_owned(), seqs));
        }
    }
    deleted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Vec<(String, Vec<u8>)> {
        vec![("s3://b/users.csv".into(), text.as_bytes().to_vec())]
    }

    #[test]
    fn the_list_is_a_single_user_id_column() {
        let users = parse_users(&object("USER_ID\nu1\nu2\n\nu1\n")).unwrap();
        assert_eq!(users.len(), 2);
        assert!(parse_users(&object("user_id\nu1\n")).is_ok());
        for (text, want) in [
            ("ITEM_ID\ni1\n", "single USER_ID column"),
            ("USER_ID,AGE\nu1,3\n", "single USER_ID column"),
            ("USER_ID\nu1,2\n", "line 2"),
            ("USER_ID\n\"\"\n", "line 2: USER_ID is empty"),
            ("USER_ID\n", "names no USER_ID"),
        ] {
            let e = parse_users(&object(text)).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}

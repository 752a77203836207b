//! Upgrade safety: a state written by the previous release's provider (fixtures/upgrade/,
//! with how it was made) plans clean with the provider of HEAD. Terraform sends each stored
//! resource through UpgradeResourceState with its schema version, then refreshes and plans it:
//! a renamed, retyped or removed attribute without a schema version bump and an upgrade
//! function fails here, as would a changed default that plans a diff on existing resources.

mod common;

use std::path::Path;

use common::{emulator, workdir};
use serde_json::Value;

fn fixture(version: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upgrade")
        .join(version)
}

/// `(type.name, id)` of every resource in a state.
fn ids(state: &Value) -> Vec<(String, String)> {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!(
                    "{}.{}",
                    r["type"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                ),
                r["instances"][0]["attributes"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_v0_1_0_state_plans_no_changes_with_head() {
    let dir = fixture("v0.1.0");
    let config = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let old_state = std::fs::read_to_string(dir.join("terraform.tfstate")).unwrap();
    let old: Value = serde_json::from_str(&old_state).unwrap();
    assert_eq!(ids(&old).len(), 9, "every resource type is in the fixture");

    // The same objects in AWS (here, the emulator), made by HEAD.
    let emu = emulator::shared();
    let mut w = workdir(&config);
    w.env("TF_VAR_endpoint", emu.endpoint());
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let state_path = w.path().join("terraform.tfstate");
    let new: Value = serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();

    // The old state, pointing at those objects: AWS generated two of the identifiers.
    let mut upgraded = old_state.clone();
    let new_ids = ids(&new);
    for (address, old_id) in ids(&old) {
        let new_id = &new_ids
            .iter()
            .find(|(a, _)| *a == address)
            .unwrap_or_else(|| panic!("HEAD made no {address}"))
            .1;
        if *new_id != old_id {
            upgraded = upgraded.replace(&old_id, new_id);
        }
    }
    std::fs::write(&state_path, upgraded).unwrap();

    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "the v0.1.0 state plans changes with HEAD:\n{plan}");
    assert!(plan.contains("No changes"), "{plan}");
}

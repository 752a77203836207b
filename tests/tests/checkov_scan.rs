//! checkov over the HCL modules and the examples: no failed check, and every skipped check
//! carries its reason inside the resource it concerns. checkov takes seconds to start, so the
//! whole scan runs once, in one test.

use serde_json::Value;
use testkit::{paths, python};

/// Reasons shorter than this are not reasons ("false positive", "n/a").
const MIN_REASON_LEN: usize = 40;

#[test]
fn checkov_passes_with_every_skip_explained() {
    let venv = python::venv().unwrap();
    let root = paths::workspace_root();
    let out = std::process::Command::new(venv.bin("checkov"))
        .current_dir(&root)
        .args([
            "-d",
            "terraform",
            "-d",
            "examples",
            "--framework",
            "terraform",
        ])
        .args(["--skip-download", "--output", "json"])
        // No telemetry or guideline downloads: the scan must work offline.
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // One JSON report a scanned directory, printed one after the other.
    let reports: Vec<Value> = serde_json::Deserializer::from_str(&stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| {
            panic!(
                "checkov printed no JSON ({e}):\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert_eq!(reports.len(), 2, "one report per directory");

    let mut failures = Vec::new();
    let mut passed = 0;
    for report in &reports {
        let summary = &report["summary"];
        assert_eq!(summary["parsing_errors"], 0, "{summary}");
        passed += summary["passed"].as_u64().unwrap();
        let results = &report["results"];
        for failed in results["failed_checks"].as_array().into_iter().flatten() {
            failures.push(format!(
                "{} {} ({}:{}): {}",
                failed["check_id"].as_str().unwrap_or("?"),
                failed["resource"].as_str().unwrap_or("?"),
                failed["file_path"].as_str().unwrap_or("?"),
                failed["file_line_range"],
                failed["check_name"].as_str().unwrap_or("?"),
            ));
        }
        for skipped in results["skipped_checks"].as_array().into_iter().flatten() {
            let id = skipped["check_id"].as_str().unwrap();
            let resource = skipped["resource"].as_str().unwrap();
            let reason = skipped["check_result"]["suppress_comment"]
                .as_str()
                .unwrap_or("");
            assert!(
                reason.len() >= MIN_REASON_LEN,
                "{id} on {resource} is skipped without a real reason: {reason:?}"
            );
            // The skip comment sits in the resource's own block, not in a global config.
            let in_block = skipped["code_block"]
                .as_array()
                .unwrap()
                .iter()
                .any(|line| {
                    line[1]
                        .as_str()
                        .unwrap_or("")
                        .contains(&format!("checkov:skip={id}:"))
                });
            assert!(
                in_block,
                "{id} on {resource} is not skipped inside the resource"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "checkov failures:\n{}",
        failures.join("\n")
    );
    assert!(
        passed > 100,
        "checkov ran only {passed} checks: did it scan the modules?"
    );
}

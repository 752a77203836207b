//! The Registry docs under `docs/` against `terraform providers schema -json`: one page per
//! resource and data source, every argument and attribute (nested blocks included) listed, and
//! every resource page with an example, timeouts and the import syntax.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{header, workdir};
use serde_json::Value;

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

/// The names a page lists as `* \`name\``.
fn listed(page: &str) -> BTreeSet<String> {
    page.lines()
        .filter_map(|l| l.strip_prefix("* `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect()
}

fn names(block: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(attrs) = block["attributes"].as_object() {
        out.extend(attrs.keys().cloned());
    }
    if let Some(blocks) = block["block_types"].as_object() {
        for (name, nested) in blocks {
            if name == "timeouts" {
                out.extend(["create", "delete"].map(String::from));
                if nested["block"]["attributes"]["update"].is_object() {
                    out.insert("update".into());
                }
            } else {
                out.insert(name.clone());
                out.extend(names(&nested["block"]));
            }
        }
    }
    out
}

fn page_files(folder: &str) -> BTreeSet<String> {
    std::fs::read_dir(docs_dir().join(folder))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".md"))
        .collect()
}

#[test]
fn every_attribute_is_documented() {
    let w = workdir(&header(None));
    let schema: Value = serde_json::from_str(&w.ok(&["providers", "schema", "-json"])).unwrap();
    let provider =
        &schema["provider_schemas"]["registry.terraform.io/personalize-realtime/personalize"];

    let index = std::fs::read_to_string(docs_dir().join("index.md")).unwrap();
    let arguments = names(&provider["provider"]["block"]);
    let missing: Vec<_> = arguments.difference(&listed(&index)).cloned().collect();
    assert!(
        missing.is_empty(),
        "index.md misses provider arguments {missing:?}"
    );
    let stale: Vec<_> = listed(&index).difference(&arguments).cloned().collect();
    assert!(
        stale.is_empty(),
        "index.md documents arguments the provider does not have: {stale:?}"
    );

    let mut problems = Vec::new();
    for (group, folder) in [
        ("resource_schemas", "resources"),
        ("data_source_schemas", "data-sources"),
    ] {
        let schemas = provider[group].as_object().unwrap();
        let expected: BTreeSet<String> = schemas
            .keys()
            .map(|k| format!("{}.md", k.trim_start_matches("personalize_")))
            .collect();
        let present = page_files(folder);
        if expected != present {
            problems.push(format!(
                "{folder}: pages {present:?}, schema wants {expected:?}"
            ));
        }
        for (name, s) in schemas {
            let file = docs_dir()
                .join(folder)
                .join(format!("{}.md", name.trim_start_matches("personalize_")));
            let Ok(page) = std::fs::read_to_string(&file) else {
                continue;
            };
            let documented = listed(&page);
            let want = names(&s["block"]);
            let undocumented: Vec<_> = want.difference(&documented).collect();
            let stale: Vec<_> = documented.difference(&want).collect();
            if !undocumented.is_empty() {
                problems.push(format!("{name}: undocumented {undocumented:?}"));
            }
            if !stale.is_empty() {
                problems.push(format!("{name}: documents unknown {stale:?}"));
            }
            let mut sections = vec![
                "## Example Usage",
                "## Argument Reference",
                "## Attribute Reference",
            ];
            if folder == "resources" {
                sections.extend(["## Timeouts", "## Import"]);
                if !page.contains(&format!(
                    "terraform import {name}.example arn:aws:personalize:"
                )) {
                    problems.push(format!("{name}: no import command"));
                }
            }
            for section in sections {
                if !page.contains(section) {
                    problems.push(format!("{name}: no {section:?} section"));
                }
            }
            if !page.contains(&format!("\"{name}\"")) {
                problems.push(format!("{name}: the example does not use it"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn documented_timeouts_match_the_defaults() {
    use terraform_provider_personalize::framework::resource::ResourceType;
    use terraform_provider_personalize::resources::*;
    fn text(d: std::time::Duration) -> String {
        let m = d.as_secs() / 60;
        if m.is_multiple_of(60) {
            format!("{}h", m / 60)
        } else {
            format!("{m}m")
        }
    }
    fn check<K: ResourceType>(page: &str) {
        let body = std::fs::read_to_string(docs_dir().join("resources").join(page)).unwrap();
        let t = K::TIMEOUTS;
        assert!(
            body.contains(&format!("* `create` - (Default `{}`)", text(t.create))),
            "{page}"
        );
        assert!(
            body.contains(&format!("* `delete` - (Default `{}`)", text(t.delete))),
            "{page}"
        );
        if K::UPDATES {
            assert!(
                body.contains(&format!("* `update` - (Default `{}`)", text(t.update))),
                "{page}"
            );
        }
    }
    check::<dataset_group::DatasetGroup>("dataset_group.md");
    check::<schema::Schema>("schema.md");
    check::<dataset::Dataset>("dataset.md");
    check::<dataset_import_job::DatasetImportJob>("dataset_import_job.md");
    check::<solution::Solution>("solution.md");
    check::<solution_version::SolutionVersion>("solution_version.md");
    check::<campaign::Campaign>("campaign.md");
    check::<event_tracker::EventTracker>("event_tracker.md");
    check::<filter::Filter>("filter.md");
    check::<metric_attribution::MetricAttribution>("metric_attribution.md");
    check::<batch_inference_job::BatchInferenceJob>("batch_inference_job.md");
    check::<batch_segment_job::BatchSegmentJob>("batch_segment_job.md");
    check::<dataset_export_job::DatasetExportJob>("dataset_export_job.md");
}

/// The Personalize operations a source file calls on its client (`c.personalize
/// .create_dataset_group()` -> `CreateDatasetGroup`).
fn operations(source: &str) -> BTreeSet<String> {
    source
        .split(".personalize")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('.'))
        .filter_map(|rest| rest.split_once("()").map(|(call, _)| call))
        .filter(|call| call.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|call| {
            call.split('_')
                .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
                .collect()
        })
        .collect()
}

#[test]
fn every_resource_page_names_the_iam_actions_its_code_calls() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let tagging = operations(&std::fs::read_to_string(src.join("framework/tags.rs")).unwrap());
    assert_eq!(
        tagging,
        ["ListTagsForResource", "TagResource", "UntagResource"]
            .map(String::from)
            .into()
    );
    let mut problems = Vec::new();
    for page in page_files("resources") {
        let name = page.trim_end_matches(".md");
        let code = std::fs::read_to_string(src.join("resources").join(format!("{name}.rs")))
            .unwrap_or_else(|_| panic!("a source file for {page}"));
        let body = std::fs::read_to_string(docs_dir().join("resources").join(&page)).unwrap();
        let mut wanted = operations(&code);
        if code.contains("tags_attr()") {
            wanted.extend(tagging.iter().cloned());
        }
        assert!(!wanted.is_empty(), "{name}: no operations found");
        for op in wanted {
            if !body.contains(&format!("`personalize:{op}`")) {
                problems.push(format!("{page}: personalize:{op} is not documented"));
            }
        }
        if !body.contains("## Required IAM permissions") {
            problems.push(format!(
                "{page}: no \"## Required IAM permissions\" section"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

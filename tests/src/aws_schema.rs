//! The check of every `aws_*` block of a configuration against the schema of `hashicorp/aws`
//! ([`devenv::aws_schema`], re-exported here): the closest this project gets to
//! `terraform validate` where the provider itself cannot be installed (no Terraform registry
//! is reachable).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

pub use devenv::aws_schema::*;

use crate::hcl;

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Report {
    /// Blocks checked (resources and data sources of hashicorp/aws).
    pub checked: usize,
    /// One line a problem: `file: resource "type" "name": path: what`.
    pub problems: Vec<String>,
}

/// Meta-arguments and meta-blocks Terraform itself handles in a resource or data block.
const META_ARGUMENTS: &[&str] = &["count", "for_each", "provider", "depends_on"];
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// Checks every `resource` and `data` block of an `aws_` type in `files` (as
/// [`hcl::parse_dir`] returns them) against `schema`: the type exists, every argument and
/// block name exists where it is written, every required argument and block is set, and a
/// block that takes one instance has at most one (`dynamic` blocks count as set).
pub fn check(schema: &Schema, files: &BTreeMap<String, Value>) -> Report {
    let mut report = Report::default();
    for (block_type, types) in [
        ("resource", &schema.resources),
        ("data", &schema.data_sources),
    ] {
        for found in hcl::blocks(files, "", block_type) {
            if !found.kind.starts_with("aws_") {
                continue;
            }
            report.checked += 1;
            let address = format!(
                "{}: {block_type} \"{}\" \"{}\"",
                found.file, found.kind, found.name
            );
            let Some(block) = types.get(found.kind).and_then(|key| schema.bodies.get(key)) else {
                report.problems.push(format!(
                    "{address}: hashicorp/aws {} has no {} type {}",
                    schema.provider_version,
                    if block_type == "data" {
                        "data source"
                    } else {
                        "resource"
                    },
                    found.kind
                ));
                continue;
            };
            let mut checker = Checker {
                bodies: &schema.bodies,
                address: &address,
                problems: &mut report.problems,
            };
            checker.body(block, found.body, "", true);
        }
    }
    report
}

/// Where [`check`] is: the schema's bodies, the block's address, what it found so far.
struct Checker<'a> {
    bodies: &'a BTreeMap<String, Block>,
    address: &'a str,
    problems: &'a mut Vec<String>,
}

impl Checker<'_> {
    fn nested(&mut self, nested: &Nested, instances: &[Value], path: &str) {
        let Some(schema) = self.bodies.get(&nested.body) else {
            self.problems.push(format!(
                "{}: {path}: the schema has no body {}",
                self.address, nested.body
            ));
            return;
        };
        for body in instances {
            self.body(schema, body, path, false);
        }
    }

    fn body(&mut self, schema: &Block, body: &Value, path: &str, top: bool) {
        let address = self.address;
        let Some(body) = body.as_object() else {
            self.problems
                .push(format!("{address}: {path} is not a block body"));
            return;
        };
        let mut set: BTreeSet<&str> = BTreeSet::new();
        for (name, value) in body {
            let here = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            if top
                && (META_ARGUMENTS.contains(&name.as_str()) || META_BLOCKS.contains(&name.as_str()))
            {
                continue;
            }
            if name == "dynamic" {
                for (label, content) in dynamic_blocks(value) {
                    let here = if path.is_empty() {
                        label.to_owned()
                    } else {
                        format!("{path}.{label}")
                    };
                    let Some(nested) = schema.blocks.get(label) else {
                        self.problems.push(unknown(address, &here, schema));
                        continue;
                    };
                    set.insert(label);
                    self.nested(nested, content, &here);
                }
                continue;
            }
            if schema.arguments.contains_key(name) {
                set.insert(name);
            } else if let Some(nested) = schema.blocks.get(name) {
                set.insert(name);
                let instances = value.as_array().map_or(&[][..], Vec::as_slice);
                if nested.single && instances.len() > 1 {
                    self.problems.push(format!(
                        "{address}: {here}: at most one block is allowed, found {}",
                        instances.len()
                    ));
                }
                self.nested(nested, instances, &here);
            } else {
                self.problems.push(unknown(address, &here, schema));
            }
        }
        let at = |name: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        for (name, required) in &schema.arguments {
            if *required && !set.contains(name.as_str()) {
                self.problems.push(format!(
                    "{address}: the required argument {} is not set",
                    at(name)
                ));
            }
        }
        for (name, nested) in &schema.blocks {
            if nested.required && !set.contains(name.as_str()) {
                self.problems.push(format!(
                    "{address}: the required block {} is missing",
                    at(name)
                ));
            }
        }
    }
}

fn unknown(address: &str, here: &str, schema: &Block) -> String {
    let names: Vec<&str> = schema
        .arguments
        .keys()
        .chain(schema.blocks.keys())
        .map(String::as_str)
        .collect();
    format!(
        "{address}: {here}: no argument or block of that name (expected one of: {})",
        names.join(", ")
    )
}

/// The `dynamic "label" { content { ... } }` blocks of a body: label and content bodies.
fn dynamic_blocks(value: &Value) -> Vec<(&str, &[Value])> {
    let mut found = Vec::new();
    for entry in value.as_array().into_iter().flatten() {
        for (label, inner) in entry.as_object().into_iter().flatten() {
            // The fork nests one object a label; a list of bodies is the upstream shape.
            let bodies = match inner {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for inner in bodies {
                let content = inner
                    .get("content")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                found.push((label.as_str(), content));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The schema `devenv::aws_schema`'s unit tests extract from a one-resource package: a
    /// resource `aws_queue` with a required single block `policy` and an optional repeatable
    /// block `rule`.
    fn queue() -> Schema {
        let body = |arguments: &[(&str, bool)], blocks: &[(&str, bool, bool, &str)]| Block {
            arguments: arguments
                .iter()
                .map(|(name, required)| ((*name).to_owned(), *required))
                .collect(),
            blocks: blocks
                .iter()
                .map(|(name, required, single, body)| {
                    (
                        (*name).to_owned(),
                        Nested {
                            required: *required,
                            single: *single,
                            body: (*body).to_owned(),
                        },
                    )
                })
                .collect(),
        };
        Schema {
            provider_version: "6.66.0".to_owned(),
            resources: [("aws_queue".to_owned(), "queue/QueueConfig".to_owned())].into(),
            data_sources: BTreeMap::new(),
            bodies: [
                (
                    "queue/QueueConfig".to_owned(),
                    body(
                        &[("locale", false), ("name", true), ("tags", false)],
                        &[
                            ("policy", true, true, "queue/QueuePolicy"),
                            ("rule", false, false, "queue/QueueRule"),
                        ],
                    ),
                ),
                (
                    "queue/QueuePolicy".to_owned(),
                    body(&[("max_receive", false)], &[]),
                ),
                ("queue/QueueRule".to_owned(), body(&[("field", true)], &[])),
            ]
            .into(),
        }
    }

    fn problems(body: Value) -> Vec<String> {
        let files = [(
            "main.tf".to_owned(),
            json!({"resource": [{"aws_queue": {"q": body}}]}),
        )]
        .into();
        let report = check(&queue(), &files);
        assert_eq!(report.checked, 1);
        report.problems
    }

    #[test]
    fn a_complete_block_passes_with_meta_arguments_and_dynamic_blocks() {
        let body = json!({
            "count": [1], "name": ["q"], "policy": [{"max_receive": [3]}],
            "lifecycle": [{"create_before_destroy": [true]}],
            "dynamic": [{"rule": {"for_each": ["${var.rules}"], "content": [{"field": ["f"]}]}}],
        });
        assert_eq!(problems(body), Vec::<String>::new());
    }

    #[test]
    fn unknown_names_missing_requirements_and_repeats_are_reported() {
        let body = json!({
            "nmae": ["q"],
            "policy": [{"max_recieve": [3]}, {}],
            "dynamic": [{"rules": {"content": [{}]}}, {"rule": {"content": [{}]}}],
        });
        let got = problems(body);
        let at = "main.tf: resource \"aws_queue\" \"q\"";
        assert_eq!(
            got,
            vec![
                format!("{at}: rules: no argument or block of that name (expected one of: locale, name, tags, policy, rule)"),
                format!("{at}: the required argument rule.field is not set"),
                format!("{at}: nmae: no argument or block of that name (expected one of: locale, name, tags, policy, rule)"),
                format!("{at}: policy: at most one block is allowed, found 2"),
                format!("{at}: policy.max_recieve: no argument or block of that name (expected one of: max_receive)"),
                format!("{at}: the required argument name is not set"),
            ]
        );
    }

    #[test]
    fn an_unknown_type_is_reported() {
        let files = [(
            "main.tf".to_owned(),
            json!({"data": [{"aws_queues": {"all": {}}}], "resource": [{"personalize_x": {"y": {}}}]}),
        )]
        .into();
        let report = check(&queue(), &files);
        assert_eq!(report.checked, 1, "only aws_ types are checked");
        assert_eq!(
            report.problems,
            vec!["main.tf: data \"aws_queues\" \"all\": hashicorp/aws 6.66.0 has no data source type aws_queues"]
        );
    }
}

//! Terraform configurations parsed into JSON (the `hcl2` module of the project venv), for tests
//! that check how modules are wired without any provider installed.
//!
//! The venv's `hcl2` is checkov's fork bc-python-hcl2; upstream python-hcl2 8.x ships the same
//! module with another output shape. Whichever one is installed, [`parse_dir`] returns one
//! shape, the fork's: every attribute is a one-element list holding its value
//! (expressions as `"${...}"` strings), every block kind is a list of bodies, and labelled
//! blocks nest one object a label (`resource -> [ { type -> { name -> body } } ]`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::Value;

use crate::{paths, python};

/// Normalises both `hcl2` output shapes to the fork's and prints `{relative path: parsed}`.
const SCRIPT: &str = r#"
import json, os, sys
import hcl2

LEGACY = getattr(hcl2, "__version__", "0").split(".")[0] == "0"
META = {"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}

def unquote(s):
    return s[1:-1] if isinstance(s, str) and len(s) >= 2 and s[0] == s[-1] == '"' else s

def strip(v):
    if isinstance(v, list):
        return [strip(x) for x in v]
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in META}
    return v

def value(v):
    if isinstance(v, str):
        return unquote(v)
    if isinstance(v, list):
        return [value(x) for x in v]
    if isinstance(v, dict):
        return {unquote(k): value(x) for k, x in v.items() if k not in META}
    return v

def is_block(v):
    return isinstance(v, dict) and v.get("__is_block__") is True

def labelled(v):
    return isinstance(v, dict) and not is_block(v) and bool(v) and all(is_block(x) or labelled(x) for x in v.values())

def body(b):
    out = {}
    for k, v in b.items():
        if k in META:
            continue
        if isinstance(v, list) and v and all(is_block(x) or labelled(x) for x in v):
            out[unquote(k)] = [block(x) for x in v]
        else:
            out[unquote(k)] = [value(v)]
    return out

def block(v):
    if is_block(v):
        return body(v)
    return {unquote(k): block(x) for k, x in v.items() if k not in META}

root = sys.argv[1]
files = {}
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
    for name in sorted(filenames):
        if name.endswith(".tf"):
            path = os.path.join(dirpath, name)
            with open(path) as f:
                data = hcl2.load(f)
            files[os.path.relpath(path, root)] = strip(data) if LEGACY else body(data)
print(json.dumps(files))
"#;

/// Every `.tf` file under `root` (hidden directories such as `.terraform` skipped), parsed,
/// by path relative to `root` with `/` separators.
///
/// # Errors
/// When the venv is unavailable or a file is not valid HCL (the parser's message included).
pub fn parse_dir(root: &Path) -> anyhow::Result<BTreeMap<String, Value>> {
    let venv = python::venv()?;
    let output = venv
        .python_command()
        .arg("-c")
        .arg(SCRIPT)
        .arg(root)
        .output()
        .context("running python-hcl2")?;
    if !output.status.success() {
        bail!(
            "parsing the .tf files under {} failed:\n{}",
            root.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("python-hcl2 printed no JSON")
}

/// Every `.tf` file of the project's modules and examples (`terraform/` and `examples/`),
/// parsed, by path relative to the workspace root (`terraform/modules/pipeline/api.tf`).
///
/// # Errors
/// As [`parse_dir`].
pub fn parse_project() -> anyhow::Result<BTreeMap<String, Value>> {
    let root = paths::workspace_root();
    let mut files = BTreeMap::new();
    for dir in ["terraform", "examples"] {
        for (path, body) in parse_dir(&root.join(dir))? {
            files.insert(format!("{dir}/{path}"), body);
        }
    }
    Ok(files)
}

/// One top-level block with its labels, e.g. `resource "aws_sqs_queue" "dlq"`.
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    /// File it was found in, relative to the parsed root.
    pub file: &'a str,
    /// First label (`aws_sqs_queue`; for `module`, `variable`, `output`: the name).
    pub kind: &'a str,
    /// Second label (`dlq`), empty for one-label blocks.
    pub name: &'a str,
    /// The block's body.
    pub body: &'a Value,
}

/// Every top-level block of type `block_type` (`resource`, `data`, `module`, `variable`,
/// `output`) in the files whose path starts with `prefix`.
pub fn blocks<'a>(
    files: &'a BTreeMap<String, Value>,
    prefix: &str,
    block_type: &str,
) -> Vec<Block<'a>> {
    let two_labels = matches!(block_type, "resource" | "data");
    let mut found = Vec::new();
    for (file, parsed) in files.range(prefix.to_owned()..) {
        if !file.starts_with(prefix) {
            break;
        }
        let Some(entries) = parsed.get(block_type).and_then(Value::as_array) else {
            continue;
        };
        for entry in entries.iter().filter_map(Value::as_object) {
            for (kind, inner) in entry {
                if two_labels {
                    for (name, body) in inner.as_object().into_iter().flatten() {
                        found.push(Block {
                            file,
                            kind,
                            name,
                            body,
                        });
                    }
                } else {
                    found.push(Block {
                        file,
                        kind,
                        name: "",
                        body: inner,
                    });
                }
            }
        }
    }
    found
}

/// The value of attribute `name` of a block body (unwrapping the one-element list).
pub fn attr<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    match body.get(name)? {
        Value::Array(items) if items.len() == 1 => items.first(),
        other => Some(other),
    }
}

/// The value of attribute `name` as a string, if it is one.
pub fn attr_str<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    attr(body, name).and_then(Value::as_str)
}

/// The nested blocks `name` of a body (`environment`, `statement`, `destination_config`).
pub fn nested<'a>(body: &'a Value, name: &str) -> &'a [Value] {
    body.get(name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_unwrap_their_list_and_blocks_do_not() {
        let body = json!({"name": ["x"], "env": [{"variables": [{"A": "${a.b}"}]}]});
        assert_eq!(attr_str(&body, "name"), Some("x"));
        let env = nested(&body, "env");
        assert_eq!(env.len(), 1);
        assert_eq!(attr(&env[0], "variables"), Some(&json!({"A": "${a.b}"})));
        assert!(attr(&body, "missing").is_none());
        assert!(nested(&body, "missing").is_empty());
    }

    #[test]
    fn blocks_walk_labels_and_respect_the_prefix() {
        let files: BTreeMap<String, Value> = [
            (
                "a/main.tf".to_owned(),
                json!({"resource": [{"aws_sqs_queue": {"dlq": {"name": ["q"]}}}],
                       "variable": [{"v": {"type": ["${string}"]}}]}),
            ),
            (
                "b/main.tf".to_owned(),
                json!({"resource": [{"aws_sqs_queue": {"other": {}}}]}),
            ),
        ]
        .into();
        let found = blocks(&files, "a/", "resource");
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].kind, found[0].name), ("aws_sqs_queue", "dlq"));
        let vars = blocks(&files, "a/", "variable");
        assert_eq!((vars[0].kind, vars[0].name), ("v", ""));
        assert_eq!(blocks(&files, "", "resource").len(), 2);
    }
}

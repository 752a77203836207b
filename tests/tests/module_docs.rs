//! Each module README's inputs and outputs tables say what variables.tf and outputs.tf say.
//! On a mismatch the test prints the tables to paste between the README's markers.

use std::fs;

use serde_json::Value;
use testkit::hcl::{self, attr, attr_str, blocks};
use testkit::paths;

const BEGIN: &str = "<!-- BEGIN_TF_DOCS -->";
const END: &str = "<!-- END_TF_DOCS -->";

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn type_of(body: &Value) -> String {
    let raw = attr_str(body, "type").unwrap_or("any");
    let inner = raw
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(raw);
    // Object types render as Python dicts in the parse: name the constructor only, closing
    // the collections around it (`map(object(...))`).
    match inner.split_once("({") {
        Some((constructor, _)) => {
            format!(
                "{constructor}(...){}",
                ")".repeat(constructor.matches('(').count())
            )
        }
        None => inner.to_owned(),
    }
}

/// A default as HCL writes it. The parser reads a negative number (`-1`, a unary expression
/// in HCL) as the interpolation `"${-1}"`: show the number.
fn literal(value: &Value) -> Value {
    value
        .as_str()
        .and_then(|s| s.strip_prefix("${")?.strip_suffix('}'))
        .and_then(|inner| inner.parse::<i64>().ok())
        .map_or_else(|| value.clone(), Value::from)
}

/// The markdown the README must hold between its markers, from the module's .tf files.
fn render(module_dir: &str) -> String {
    let files = hcl::parse_dir(&paths::project_file(module_dir)).unwrap();
    let mut out = String::from("## Inputs\n\n| Name | Description | Type | Default | Required |\n|---|---|---|---|:---:|\n");
    let mut variables = blocks(&files, "", "variable");
    variables.sort_by_key(|v| (v.body.get("default").is_some(), v.kind));
    for v in variables {
        let description = attr_str(v.body, "description")
            .unwrap_or_else(|| panic!("{module_dir}: variable {} has no description", v.kind));
        let (default, required) = match attr(v.body, "default") {
            None if v.body.get("default").is_none() => ("n/a".to_owned(), "yes"),
            value => (
                format!("`{}`", literal(value.unwrap_or(&Value::Null))),
                "no",
            ),
        };
        out += &format!(
            "| `{}` | {} | `{}` | {} | {} |\n",
            v.kind,
            cell(description),
            cell(&type_of(v.body)),
            cell(&default),
            required
        );
    }
    out += "\n## Outputs\n\n| Name | Description |\n|---|---|\n";
    let mut outputs = blocks(&files, "", "output");
    outputs.sort_by_key(|o| o.kind);
    for o in outputs {
        let description = attr_str(o.body, "description")
            .unwrap_or_else(|| panic!("{module_dir}: output {} has no description", o.kind));
        out += &format!("| `{}` | {} |\n", o.kind, cell(description));
    }
    out
}

fn check(module_dir: &str) {
    let rendered = render(module_dir);
    let readme_path = paths::project_file(&format!("{module_dir}/README.md"));
    let readme = fs::read_to_string(&readme_path)
        .unwrap_or_else(|e| panic!("{}: {e}", readme_path.display()));
    let section = readme
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(inside, _)| inside.trim())
        .unwrap_or_else(|| panic!("{}: no {BEGIN} ... {END} section", readme_path.display()));
    assert!(
        section == rendered.trim(),
        "{} tables are out of date; put this between the markers:\n\n{rendered}",
        readme_path.display()
    );
}

#[test]
fn pipeline_readme_tables_match_the_module() {
    check("terraform/modules/pipeline");
}

#[test]
fn personalize_readme_tables_match_the_module() {
    check("terraform/modules/personalize");
}

#[test]
fn api_definition_readme_tables_match_the_module() {
    check("terraform/modules/api-definition");
}

#[test]
fn movies_example_readme_tables_match_the_example() {
    check("examples/movies");
}

#[test]
fn movies_domain_example_readme_tables_match_the_example() {
    check("examples/movies-domain");
}

#[test]
fn a_negative_default_reads_as_the_number_hcl_writes() {
    assert_eq!(literal(&Value::from("${-1}")), Value::from(-1));
    assert_eq!(literal(&Value::from("${var.x}")), Value::from("${var.x}"));
    assert_eq!(literal(&Value::from(7)), Value::from(7));
}

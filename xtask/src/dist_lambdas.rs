//! `cargo xtask dist-lambdas`: the Lambda functions as deployment packages,
//! `target/dist/lambda/<function>-<arm64|x86_64>.zip`, each holding one `bootstrap` for the
//! `provided.al2023` runtime; the zips the pipeline module deploys.
//!
//! Built with cargo-lambda from the project venv (pinned in `tools/requirements.txt`), which
//! cross-compiles with zig (the venv's `ziglang`) and applies its release optimisations. The
//! SDK crates use rustls on ring, so no aws-lc and no system cross toolchain is needed; the
//! Rust standard library of each target comes from rustup, added here when missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use devenv::{paths, python};

/// The Lambda functions, as package and binary names.
pub const FUNCTIONS: &[&str] = &["collect", "ingest", "recommend"];

/// A Lambda architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Arch {
    /// Graviton.
    Arm64,
    /// Intel and AMD.
    #[value(name = "x86_64")]
    X86_64,
}

impl Arch {
    /// The name Lambda uses (`architectures`), also in the zip's file name.
    pub fn lambda_name(self) -> &'static str {
        match self {
            Self::Arm64 => "arm64",
            Self::X86_64 => "x86_64",
        }
    }

    /// The Rust target triple (glibc: provided.al2023 has glibc 2.34).
    pub fn triple(self) -> &'static str {
        match self {
            Self::Arm64 => "aarch64-unknown-linux-gnu",
            Self::X86_64 => "x86_64-unknown-linux-gnu",
        }
    }
}

/// Options of `cargo xtask dist-lambdas`.
#[derive(Debug, clap::Args)]
pub struct DistArgs {
    /// Architectures to build (default: both).
    #[arg(long = "arch", value_enum)]
    pub arches: Vec<Arch>,
    /// Functions to build (default: all).
    #[arg(long = "function", value_parser = clap::builder::PossibleValuesParser::new(FUNCTIONS))]
    pub functions: Vec<String>,
}

/// The zip of `function` for `arch`.
pub fn zip_path(function: &str, arch: Arch) -> PathBuf {
    paths::target_dir()
        .join("dist/lambda")
        .join(format!("{function}-{}.zip", arch.lambda_name()))
}

/// Builds the zips; prints each with its size.
pub fn dist_lambdas(args: &DistArgs) -> anyhow::Result<Vec<PathBuf>> {
    let arches = if args.arches.is_empty() {
        vec![Arch::Arm64, Arch::X86_64]
    } else {
        args.arches.clone()
    };
    let functions: Vec<&str> = if args.functions.is_empty() {
        FUNCTIONS.to_vec()
    } else {
        args.functions.iter().map(String::as_str).collect()
    };
    let venv = python::venv()?;
    let mut out = Vec::new();
    for arch in arches {
        ensure_target(arch.triple())?;
        let started = Instant::now();
        let staging = paths::target_dir()
            .join("lambda-build")
            .join(arch.lambda_name());
        let mut command = venv.tool_command("cargo-lambda");
        crate::dist_provider::toolchain::without_package_variables(&mut command)
            .current_dir(paths::project_file(""))
            .args(["lambda", "build", "--release", "--output-format", "zip"])
            .args(["--target", arch.triple()])
            .arg("--lambda-dir")
            .arg(&staging);
        for f in &functions {
            command.args(["--package", f]);
        }
        eprintln!(
            "xtask: building {} for {}",
            functions.join(", "),
            arch.lambda_name()
        );
        let status = command.status().context("running cargo-lambda")?;
        if !status.success() {
            bail!("cargo lambda build for {} failed ({status})", arch.triple());
        }
        for f in &functions {
            let built = staging.join(f).join("bootstrap.zip");
            let dest = zip_path(f, arch);
            std::fs::create_dir_all(dest.parent().context("dist dir")?)?;
            std::fs::copy(&built, &dest)
                .with_context(|| format!("copying {} to {}", built.display(), dest.display()))?;
            check_zip(&venv, &dest)?;
            let size = std::fs::metadata(&dest)?.len();
            eprintln!("xtask: {} ({:.2} MB)", dest.display(), size as f64 / 1e6);
            out.push(dest);
        }
        eprintln!(
            "xtask: {} done in {:.0?}",
            arch.lambda_name(),
            started.elapsed()
        );
    }
    Ok(out)
}

/// Adds the target's standard library through rustup when it is missing (also used by
/// `dist-provider` for a target named on its command line).
pub fn ensure_target(triple: &str) -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(o) if o.status.success() => {
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == triple)
            {
                return Ok(());
            }
            eprintln!("xtask: adding the Rust target {triple} (rustup)");
            let status = Command::new("rustup")
                .args(["target", "add", triple])
                .status()?;
            if !status.success() {
                bail!("`rustup target add {triple}` failed ({status})");
            }
            Ok(())
        }
        // Without rustup the toolchain may still have the target; cargo says so if not.
        _ => Ok(()),
    }
}

/// The zip holds exactly one executable `bootstrap` (what the `provided` runtimes start).
fn check_zip(venv: &python::Venv, zip: &Path) -> anyhow::Result<()> {
    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        names = z.namelist()\n\
        assert names == ['bootstrap'], names\n\
        mode = z.getinfo('bootstrap').external_attr >> 16\n\
        assert mode & 0o111, oct(mode)\n";
    let out = venv
        .python_command()
        .args(["-c", script])
        .arg(zip)
        .output()
        .context("checking the zip")?;
    if !out.status.success() {
        bail!(
            "{} is not a Lambda package with one executable bootstrap: {}",
            zip.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_are_named_by_function_and_lambda_architecture() {
        let p = zip_path("ingest", Arch::Arm64);
        assert!(
            p.ends_with("dist/lambda/ingest-arm64.zip"),
            "{}",
            p.display()
        );
        assert!(zip_path("collect", Arch::X86_64).ends_with("dist/lambda/collect-x86_64.zip"));
        assert_eq!(Arch::Arm64.triple(), "aarch64-unknown-linux-gnu");
    }
}

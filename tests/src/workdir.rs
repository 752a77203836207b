//! A Terraform working directory for tests: a temporary directory with a CLI config that takes
//! the locally built provider through `dev_overrides`, and `terraform` runs in it with the
//! emulators' fixed test credentials (never a profile or instance metadata of the machine).

use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::Context;
use serde_json::Value;

use crate::terraform::{self, Terraform};

/// A temporary Terraform working directory, removed on drop.
#[derive(Debug)]
pub struct Workdir {
    dir: tempfile::TempDir,
    cli_config: PathBuf,
    tf: Terraform,
}

impl Workdir {
    /// A new directory whose CLI config takes the provider from `provider_dir` (the directory
    /// holding `terraform-provider-personalize`).
    ///
    /// # Errors
    /// When no Terraform is found or the directory cannot be made.
    pub fn new(provider_dir: &Path) -> anyhow::Result<Self> {
        let tf = terraform::find()?;
        let dir = tempfile::tempdir().context("creating a Terraform working directory")?;
        let cli_config = dir.path().join("cli.tfrc");
        terraform::write_dev_overrides(&cli_config, provider_dir)?;
        Ok(Self {
            dir,
            cli_config,
            tf,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The CLI config with the provider's `dev_overrides`, for Terraform runs elsewhere.
    pub fn cli_config(&self) -> &Path {
        &self.cli_config
    }

    /// Replaces `main.tf`.
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn write(&self, main_tf: &str) {
        std::fs::write(self.path().join("main.tf"), main_tf).expect("writing main.tf");
    }

    /// Runs `terraform <args> -no-color`, whatever its exit status.
    ///
    /// # Panics
    /// When Terraform cannot be started.
    pub fn run(&self, args: &[&str]) -> Output {
        self.tf
            .command(self.path(), &self.cli_config)
            .args(args)
            .arg("-no-color")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .expect("running terraform")
    }

    /// Runs `terraform <args>`, panicking with its output unless it succeeds; returns stdout.
    ///
    /// # Panics
    /// When the command fails.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "terraform {} failed:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `terraform <args>`, panicking if it succeeds; returns stdout and stderr together.
    ///
    /// # Panics
    /// When the command succeeds.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.status.success(),
            "terraform {} succeeded:\n{text}",
            args.join(" ")
        );
        text
    }

    /// `terraform output -json`, parsed.
    ///
    /// # Panics
    /// When the command fails or prints no JSON.
    pub fn outputs(&self) -> Value {
        serde_json::from_str(&self.ok(&["output", "-json"])).expect("terraform output -json")
    }
}

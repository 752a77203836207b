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
    /// Environment of every run: a value set, or removed when empty.
    env: Vec<(String, String)>,
    /// Whether every run ends with `-no-color`.
    no_color: bool,
}

impl Workdir {
    /// A new directory whose CLI config takes the provider from `provider_dir` (the directory
    /// holding `terraform-provider-personalize`), run by the Terraform [`terraform::find`]
    /// finds.
    ///
    /// # Errors
    /// When no Terraform is found or the directory cannot be made.
    pub fn new(provider_dir: &Path) -> anyhow::Result<Self> {
        Self::with_terraform(provider_dir, terraform::find()?)
    }

    /// Like [`Workdir::new`], run by a given Terraform.
    ///
    /// # Errors
    /// When the directory or its CLI config cannot be made.
    pub fn with_terraform(provider_dir: &Path, tf: Terraform) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("creating a Terraform working directory")?;
        let cli_config = dir.path().join("cli.tfrc");
        terraform::write_dev_overrides(&cli_config, provider_dir)?;
        let env = [
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_PROFILE", ""),
            ("AWS_SESSION_TOKEN", ""),
            // The caller's TF_LOG would mix Terraform's own log into the outputs tests read.
            ("TF_LOG", ""),
        ];
        Ok(Self {
            dir,
            cli_config,
            tf,
            env: env.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec(),
            no_color: false,
        })
    }

    /// Ends every later run with `-no-color`, for tests that only run commands taking flags
    /// after their arguments (`plan`, `apply`, `output`; not `import` or `state`, whose
    /// arguments must come last).
    #[must_use]
    pub fn without_color(mut self) -> Self {
        self.no_color = true;
        self
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

    /// Sets an environment variable for later runs.
    pub fn env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// Removes an environment variable for later runs (also from the inherited environment).
    pub fn unset(&mut self, key: &str) {
        self.env(key, "");
    }

    /// Runs `terraform <args>`, whatever its exit status.
    ///
    /// # Panics
    /// When Terraform cannot be started.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = self.tf.command(self.path(), &self.cli_config);
        command.args(args);
        if self.no_color {
            command.arg("-no-color");
        }
        for (key, value) in &self.env {
            if value.is_empty() {
                command.env_remove(key);
            } else {
                command.env(key, value);
            }
        }
        command.output().expect("running terraform")
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
            "{}\n{}",
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

    /// `terraform plan -detailed-exitcode`: 0 no change, 2 changes; with the plan's output.
    ///
    /// # Panics
    /// When the plan fails.
    pub fn plan_exit_code(&self) -> (i32, String) {
        let out = self.run(&["plan", "-detailed-exitcode", "-no-color"]);
        let code = out.status.code().unwrap_or(-1);
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(code == 0 || code == 2, "plan failed ({code}):\n{text}");
        (code, text)
    }

    /// `terraform output -json`, parsed.
    ///
    /// # Panics
    /// When the command fails or prints no JSON.
    pub fn outputs(&self) -> Value {
        serde_json::from_str(&self.ok(&["output", "-json"])).expect("terraform output -json")
    }

    /// The state as JSON (`terraform show -json`).
    ///
    /// # Panics
    /// When the command fails or prints no JSON.
    pub fn state(&self) -> Value {
        serde_json::from_str(&self.ok(&["show", "-json"])).expect("show -json prints JSON")
    }

    /// The attribute values of the resource at `address` in state.
    ///
    /// # Panics
    /// When the state cannot be read.
    pub fn resource(&self, address: &str) -> Option<Value> {
        let state = self.state();
        state["values"]["root_module"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }
}

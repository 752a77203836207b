//! Shared helpers of the provider's Terraform CLI tests: a working directory with a CLI config
//! that takes this crate's binary through `dev_overrides`, and runs of `terraform` in it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use testkit::terraform::{self, Terraform};

/// A Terraform working directory using the provider under test.
pub struct Workdir {
    /// The temporary directory (removed on drop).
    pub dir: tempfile::TempDir,
    cli_config: PathBuf,
    tf: Terraform,
    env: Vec<(String, String)>,
}

/// The directory holding the provider binary built for these tests.
pub fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-personalize"))
        .parent()
        .expect("binary has a directory")
        .to_path_buf()
}

pub mod emulator;
pub mod walkthrough;

/// Runs a future to completion on a fresh current-thread runtime (for SDK calls in tests).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}

/// Runs `cargo xtask dist-provider --out OUT ARGS` (the release packaging, mirror included).
pub fn dist_provider(args: &[&std::ffi::OsStr], out: &Path) {
    let cargo = option_env!("CARGO").unwrap_or("cargo");
    let status = std::process::Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "-q", "-p", "xtask", "--", "dist-provider", "--out"])
        .arg(out)
        .args(args)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo xtask dist-provider failed");
}

/// A CLI config installing this provider through one method block (`network_mirror {
/// url = ... }` or `filesystem_mirror { path = ... }`, given as its name and its one
/// argument line) and every other provider directly, as the README's "Use it from your
/// infra repo" shows it.
pub fn mirror_cli_config(method: &str, argument: &str) -> String {
    format!(
        "provider_installation {{\n  {method} {{\n    {argument}\n    include = [\"{source}\"]\n  }}\n  direct {{\n    exclude = [\"{source}\"]\n  }}\n}}\n",
        source = terraform::PROVIDER_SOURCE
    )
}

/// The `terraform` block and provider configuration for an endpoint (or none).
pub fn header(endpoint: Option<&str>) -> String {
    let endpoints = endpoint
        .map(|e| format!("  endpoints {{\n    personalize = \"{e}\"\n  }}\n"))
        .unwrap_or_default();
    format!(
        "terraform {{\n  required_providers {{\n    personalize = {{\n      source = \"{}\"\n    }}\n  }}\n}}\n\nprovider \"personalize\" {{\n  region = \"us-east-1\"\n{endpoints}}}\n\n",
        terraform::PROVIDER_SOURCE
    )
}

impl Workdir {
    /// A new working directory with `main.tf` holding `config`.
    pub fn new(config: &str) -> Self {
        Self::with_terraform(config, terraform::find().expect("a Terraform CLI"))
    }

    /// Like [`Workdir::new`], run by a given Terraform.
    pub fn with_terraform(config: &str, tf: Terraform) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let cli_config = dir.path().join("cli.tfrc");
        terraform::write_dev_overrides(&cli_config, &provider_dir()).expect("cli config");
        let w = Self {
            dir,
            cli_config,
            tf,
            env: vec![
                ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
                ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
                ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ],
        };
        w.write(config);
        w
    }

    /// Replaces `main.tf`.
    pub fn write(&self, config: &str) {
        std::fs::write(self.dir.path().join("main.tf"), config).expect("write main.tf");
    }

    /// Sets an environment variable for later runs.
    pub fn env(&mut self, k: &str, v: &str) {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.into(), v.into()));
    }

    /// Removes an environment variable for later runs (also from the inherited environment).
    pub fn unset(&mut self, k: &str) {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.into(), String::new()));
    }

    /// Runs `terraform <args>` and returns its output, whatever the exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = self.tf.command(self.dir.path(), &self.cli_config);
        cmd.args(args);
        cmd.env("TF_LOG", "");
        for (k, v) in &self.env {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        cmd.output().expect("terraform runs")
    }

    /// Runs `terraform <args>` and panics with its output unless it succeeds; returns stdout.
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

    /// Runs `terraform <args>`, expects failure, returns stdout and stderr together.
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

    /// `terraform plan -detailed-exitcode`: 0 no change, 2 changes; panics on error.
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

    /// The state as JSON (`terraform show -json`).
    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["show", "-json"])).expect("show -json prints JSON")
    }

    /// The attribute values of the resource at `address` in state.
    pub fn resource(&self, address: &str) -> Option<serde_json::Value> {
        let state = self.state();
        state["values"]["root_module"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }
}

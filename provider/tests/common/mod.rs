//! What only the provider's own tests can give the shared fixtures of `testkit::provider`: the
//! path of the provider binary cargo built for them, and a [`Workdir`] that uses it.

// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};

use testkit::terraform::Terraform;
pub use testkit::workdir::Workdir;

/// The directory holding the provider binary built for these tests.
pub fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-personalize"))
        .parent()
        .expect("binary has a directory")
        .to_path_buf()
}

pub use testkit::provider::{emulator, header, mirror_cli_config, walkthrough};

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

/// A Terraform working directory using the provider under test, with `main.tf` holding
/// `config`.
pub fn workdir(config: &str) -> Workdir {
    testkit::provider::workdir(&provider_dir(), config)
}

/// Like [`workdir`], run by a given Terraform.
pub fn workdir_with(config: &str, tf: Terraform) -> Workdir {
    testkit::provider::workdir_with(&provider_dir(), config, tf)
}

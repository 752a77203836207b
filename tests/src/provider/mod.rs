//! Fixtures of the provider's Terraform CLI tests and benchmark: a [`Workdir`] for the provider
//! binary, the provider block for an endpoint, the shared emulator with its data root, and the
//! walkthrough's configuration.

use std::path::Path;

use crate::terraform::{self, Terraform};
use crate::workdir::Workdir;

pub mod emulator;
pub mod walkthrough;

/// A Terraform working directory taking the provider from `provider_dir`, with `main.tf`
/// holding `config`.
///
/// # Panics
/// When no Terraform is found or the directory cannot be made.
pub fn workdir(provider_dir: &Path, config: &str) -> Workdir {
    workdir_with(
        provider_dir,
        config,
        terraform::find().expect("a Terraform CLI"),
    )
}

/// Like [`workdir`], run by a given Terraform.
///
/// # Panics
/// When the directory cannot be made.
pub fn workdir_with(provider_dir: &Path, config: &str, tf: Terraform) -> Workdir {
    let w = Workdir::with_terraform(provider_dir, tf).expect("a Terraform working directory");
    w.write(config);
    w
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

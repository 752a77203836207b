//! One version throughout: every binary prints the workspace version (`--version`), each
//! Lambda logs it when its container starts, and the personalize module requires a provider
//! at least as new as the release it ships in. `cargo xtask release` moves them together.

use std::process::Command;

use testkit::paths;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn output(name: &str, args: &[&str]) -> (bool, String) {
    testkit::process::run_to_end(
        Command::new(paths::workspace_bin(name).unwrap())
            .args(args)
            // No Lambda runtime API and no function configuration: a Lambda stops right after
            // its start line.
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env("AWS_LAMBDA_LOG_FORMAT", "Text"),
    )
}

#[test]
fn every_binary_prints_the_workspace_version() {
    for name in [
        "terraform-provider-personalize",
        "collect",
        "ingest",
        "recommend",
        "personalize-local",
        "local-stack",
    ] {
        let (ok, text) = output(name, &["--version"]);
        assert!(ok, "{name} --version failed:\n{text}");
        assert_eq!(text.trim(), format!("{name} {VERSION}"), "{name}");
    }
}

#[test]
fn each_lambda_logs_its_version_at_start() {
    for name in ["collect", "ingest", "recommend"] {
        let (ok, text) = output(name, &[]);
        assert!(!ok, "{name} ran without its configuration:\n{text}");
        let start = text
            .lines()
            .find(|l| l.contains("starting"))
            .unwrap_or_else(|| panic!("{name} logged no start line:\n{text}"));
        assert!(
            start.contains(&format!("function=\"{name}\""))
                && start.contains(&format!("version=\"{VERSION}\"")),
            "{start}"
        );
    }
}

#[test]
fn the_personalize_module_requires_the_provider_of_its_release() {
    let versions = std::fs::read_to_string(paths::project_file(
        "terraform/modules/personalize/versions.tf",
    ))
    .unwrap();
    assert!(
        versions.contains(&format!("version = \">= {VERSION}\"")),
        "{versions}"
    );
}

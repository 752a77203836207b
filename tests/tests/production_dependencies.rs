//! No production binary depends on a test crate: `cargo tree` over the normal dependencies
//! (build and dev dependencies left out) of every crate that ships a binary, and of the
//! tools that run outside tests, finds neither `testkit` nor anything else that only tests
//! need. `devenv` is the environment such a binary may use at run time.

use std::process::Command;

/// The crates whose binaries ship or run outside tests: the Lambdas, the replay command,
/// the local stack, the emulator, the provider and `cargo xtask`.
const PRODUCTION: &[&str] = &[
    "collect",
    "ingest",
    "recommend",
    "replay",
    "local-stack",
    "personalize-local",
    "terraform-provider-personalize",
    "xtask",
];

/// The crates only tests may depend on.
const TEST_ONLY: &[&str] = &["testkit"];

#[test]
fn no_production_crate_depends_on_a_test_crate() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for krate in PRODUCTION {
        let output = Command::new(&cargo)
            .current_dir(testkit::paths::workspace_root())
            .args(["tree", "--edges", "normal", "--prefix", "none"])
            .args(["--format", "{p}", "--package", krate])
            .output()
            .expect("running cargo tree");
        assert!(
            output.status.success(),
            "cargo tree -p {krate} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8(output.stdout).expect("cargo tree prints UTF-8");
        assert!(
            tree.lines()
                .any(|line| line.starts_with(&format!("{krate} "))),
            "cargo tree -p {krate} did not list the crate itself:\n{tree}"
        );
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            assert!(
                !TEST_ONLY.contains(&name),
                "{krate} depends on the test crate {name} outside dev-dependencies \
                 (`cargo tree -e normal -i {name} -p {krate}` shows the path); a run-time need \
                 belongs in devenv"
            );
        }
    }
}

//! `cargo xtask release` in a fresh clone of the repository (what a maintainer runs): bad
//! input is refused before anything changes, then `--no-build` writes the version, the
//! CHANGELOG section, the commit and the tag. The builds it skips are `dist-provider` and
//! `dist-lambdas`, tested on their own. The clone and its build live under the shared target
//! directory at a fixed place, so a second run recompiles only xtask.

use std::path::{Path, PathBuf};
use std::process::Command;

use devenv::paths;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `cargo xtask ARGS` in the clone, built into its own target directory.
fn xtask(clone: &Path, target: &Path, args: &[&str]) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    devenv::process::run_to_end(
        Command::new(cargo)
            .current_dir(clone)
            .env("CARGO_TARGET_DIR", target)
            .args(["run", "--quiet", "--package", "xtask", "--"])
            .args(args),
    )
}

fn fresh_clone() -> (PathBuf, PathBuf) {
    let base = paths::target_dir().join("release-clone");
    let clone = base.join("repo");
    if clone.exists() {
        std::fs::remove_dir_all(&clone).unwrap();
    }
    std::fs::create_dir_all(&base).unwrap();
    git(
        &base,
        &[
            "clone",
            "--quiet",
            paths::workspace_root().to_str().unwrap(),
            "repo",
        ],
    );
    git(&clone, &["config", "user.name", "Release Test"]);
    git(
        &clone,
        &["config", "user.email", "release-test@example.invalid"],
    );
    (clone, base.join("target"))
}

#[test]
fn release_in_a_fresh_clone() {
    let (clone, target) = fresh_clone();
    let version = env!("CARGO_PKG_VERSION");
    // The next minor version, whatever the workspace's is.
    let parts: Vec<u64> = version
        .split('-')
        .next()
        .unwrap()
        .split('.')
        .map(|p| p.parse().unwrap())
        .collect();
    let next = format!("{}.{}.0", parts[0], parts[1] + 1);
    let refuses = |args: &[&str], why: &str| {
        let (ok, out) = xtask(&clone, &target, args);
        assert!(!ok, "{args:?} was accepted:\n{out}");
        assert!(out.contains(why), "{args:?}: no {why:?} in\n{out}");
    };
    refuses(&["release", &format!("v{next}")], "without the v");
    refuses(&["release", "1.2"], "is not a version");
    refuses(&["release", "0.0.1"], "is older than the workspace version");
    std::fs::write(clone.join("scratch.txt"), "not committed").unwrap();
    refuses(&["release", &next, "--no-build"], "uncommitted changes");
    std::fs::remove_file(clone.join("scratch.txt")).unwrap();
    git(&clone, &["tag", &format!("v{next}")]);
    refuses(
        &["release", &next, "--no-build"],
        &format!("the tag v{next} exists already"),
    );
    git(&clone, &["tag", "--delete", &format!("v{next}")]);
    let head = git(&clone, &["rev-parse", "HEAD"]);

    let (ok, out) = xtask(&clone, &target, &["release", &next, "--no-build"]);
    assert!(ok, "{out}");
    assert_ne!(git(&clone, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        git(&clone, &["log", "-1", "--format=%s"]).trim(),
        format!("Release {next}")
    );
    assert_eq!(
        git(&clone, &["rev-parse", &format!("v{next}^{{commit}}")]),
        git(&clone, &["rev-parse", "HEAD"])
    );
    assert!(git(&clone, &["status", "--porcelain"]).trim().is_empty());
    let read = |f: &str| std::fs::read_to_string(clone.join(f)).unwrap();
    assert!(read("Cargo.toml").contains(&format!("version = \"{next}\"")));
    assert!(read("Cargo.lock").contains(&format!(
        "name = \"terraform-provider-personalize\"\nversion = \"{next}\""
    )));
    assert!(read("terraform/modules/personalize/versions.tf")
        .contains(&format!("version = \">= {next}\"")));
    let changelog = read("CHANGELOG.md");
    let unreleased = changelog.find("## [Unreleased]").unwrap();
    let released = changelog.find(&format!("## [{next}] - ")).unwrap();
    assert!(unreleased < released, "{changelog}");
    let (ok, notes) = xtask(&clone, &target, &["release-notes", &next]);
    assert!(ok && notes.contains("### Added"), "{notes}");
    let message = git(
        &clone,
        &["tag", "-l", "--format=%(contents)", &format!("v{next}")],
    );
    assert!(message.contains("### Added"), "{message}");

    // Released once: the same version again, or nothing new under Unreleased, is refused.
    refuses(&["release", &next, "--no-build"], "exists already");
    let after = format!("{}.{}.1", parts[0], parts[1] + 1);
    refuses(
        &["release", &after, "--no-build"],
        "no entries under Unreleased",
    );
}

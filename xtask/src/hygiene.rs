//! The habits `cargo xtask test` enforces besides the tests: clippy and rustdoc with warnings
//! denied, and no unused dependency, neither in a crate (cargo-machete) nor in the workspace's
//! `[workspace.dependencies]` table, which cargo-machete does not read.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

use crate::cargo;

/// The cargo-machete release the test command installs (under `target/tools/`), pinned so every
/// machine judges the same way.
const MACHETE_VERSION: &str = "0.9.2";

/// `cargo clippy` over every target of every crate, warnings denied.
pub fn clippy() -> anyhow::Result<()> {
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])
}

/// `cargo doc` of the workspace's own crates, rustdoc warnings denied (broken intra-doc links,
/// unclosed HTML in doc comments).
pub fn rustdoc() -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(["doc", "--no-deps", "--workspace"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .status()
        .context("running cargo doc")?;
    if !status.success() {
        bail!("`cargo doc --no-deps --workspace` with warnings denied failed ({status})");
    }
    Ok(())
}

/// No crate declares a dependency it does not use, and every workspace dependency is used by
/// some crate.
pub fn unused_dependencies(root: &Path) -> anyhow::Result<()> {
    let unused = unused_workspace_dependencies(root)?;
    if !unused.is_empty() {
        bail!(
            "[workspace.dependencies] in Cargo.toml declares what no crate uses: {}",
            unused.join(", ")
        );
    }
    let machete = install_machete(root)?;
    let status = Command::new(&machete)
        .current_dir(root)
        .status()
        .with_context(|| format!("running {}", machete.display()))?;
    if !status.success() {
        bail!("cargo-machete found unused dependencies (listed above; {status})");
    }
    Ok(())
}

/// The cargo-machete binary, installed under `target/tools/` on first use.
fn install_machete(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    let dir = root.join("target/tools/cargo-machete");
    let bin = dir.join("bin/cargo-machete");
    let installed = Command::new(&bin)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if installed.as_deref() == Some(MACHETE_VERSION) {
        return Ok(bin);
    }
    eprintln!("xtask: installing cargo-machete {MACHETE_VERSION} (first use only)");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args([
            "install",
            "cargo-machete",
            "--locked",
            "--version",
            MACHETE_VERSION,
        ])
        .arg("--root")
        .arg(&dir)
        .status()
        .context("running cargo install")?;
    if !status.success() {
        bail!("installing cargo-machete {MACHETE_VERSION} failed ({status})");
    }
    Ok(bin)
}

/// The names in the root manifest's `[workspace.dependencies]` that no member manifest takes
/// with `workspace = true`.
fn unused_workspace_dependencies(root: &Path) -> anyhow::Result<Vec<String>> {
    let read =
        |p: &Path| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()));
    let manifest = read(&root.join("Cargo.toml"))?;
    let members = members(&manifest);
    let mut used = String::new();
    for member in &members {
        used.push_str(&read(&root.join(member).join("Cargo.toml"))?);
    }
    Ok(workspace_dependencies(&manifest)
        .into_iter()
        .filter(|dep| !takes_from_workspace(&used, dep))
        .collect())
}

/// The keys of the `[workspace.dependencies]` table.
fn workspace_dependencies(manifest: &str) -> Vec<String> {
    table(manifest, "[workspace.dependencies]")
        .filter_map(|line| line.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .filter(|k| !k.is_empty() && !k.contains('.'))
        .collect()
}

/// The paths in `[workspace] members = [...]`.
fn members(manifest: &str) -> Vec<String> {
    let Some(start) = manifest.find("members = [") else {
        return Vec::new();
    };
    let list = &manifest[start + "members = [".len()..];
    let list = &list[..list.find(']').unwrap_or(list.len())];
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// The non-comment lines of one table, up to the next header.
fn table<'a>(manifest: &'a str, header: &'a str) -> impl Iterator<Item = &'a str> {
    manifest
        .lines()
        .skip_while(move |l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether some manifest line takes `dep` from the workspace (`dep.workspace = true` or
/// `dep = { workspace = true, ... }`).
fn takes_from_workspace(manifests: &str, dep: &str) -> bool {
    manifests.lines().map(str::trim).any(|line| {
        let Some(rest) = line.strip_prefix(dep) else {
            return false;
        };
        let rest = rest.trim_start();
        rest.strip_prefix(".workspace")
            .is_some_and(|r| r.trim_start().starts_with('='))
            || rest
                .strip_prefix('=')
                .is_some_and(|r| r.contains("workspace = true"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = r#"[workspace]
members = [
    "a",
    "b/c",
]

[workspace.dependencies]
# a comment
serde = { version = "1", features = ["derive"] }
tokio = "1"
tokio-util = "0.7"
hyper = "1"

[profile.dev]
debug = false
"#;

    #[test]
    fn reads_members_and_workspace_dependencies() {
        assert_eq!(members(ROOT), ["a", "b/c"]);
        assert_eq!(
            workspace_dependencies(ROOT),
            ["serde", "tokio", "tokio-util", "hyper"]
        );
    }

    #[test]
    fn a_dependency_is_used_in_either_spelling_and_prefixes_do_not_count() {
        let members =
            "serde.workspace = true\ntokio-util = { workspace = true, features = [\"io\"] }\n";
        assert!(takes_from_workspace(members, "serde"));
        assert!(takes_from_workspace(members, "tokio-util"));
        // `tokio-util` must not count as a use of `tokio`.
        assert!(!takes_from_workspace(members, "tokio"));
        assert!(!takes_from_workspace(members, "hyper"));
        assert!(!takes_from_workspace("hyper = \"1\"\n", "hyper"));
    }

    #[test]
    fn finds_the_unused_ones_in_a_workspace_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), ROOT).unwrap();
        for (member, deps) in [
            ("a", "serde.workspace = true\n"),
            ("b/c", "tokio-util.workspace = true\n"),
        ] {
            std::fs::create_dir_all(dir.path().join(member)).unwrap();
            std::fs::write(
                dir.path().join(member).join("Cargo.toml"),
                format!("[dependencies]\n{deps}"),
            )
            .unwrap();
        }
        assert_eq!(
            unused_workspace_dependencies(dir.path()).unwrap(),
            ["tokio", "hyper"]
        );
    }

    #[test]
    fn this_workspace_declares_nothing_unused() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert_eq!(
            unused_workspace_dependencies(root).unwrap(),
            Vec::<String>::new()
        );
    }
}

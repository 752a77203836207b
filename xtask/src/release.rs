//! `cargo xtask release VERSION`: one version for the provider, the modules and the Lambdas,
//! with its artifacts, a CHANGELOG section and a git tag, in one run.
//!
//! In order, stopping at the first problem:
//! 1. checks: VERSION is `MAJOR.MINOR.PATCH` (optionally `-PRERELEASE`), no older than the
//!    workspace version; the tag `vVERSION` does not exist; the working tree is clean; the
//!    CHANGELOG has entries under Unreleased and no section for VERSION yet;
//! 2. writes the version: `[workspace.package] version` in `Cargo.toml` (every crate inherits
//!    it), the workspace entries of `Cargo.lock`, the provider the personalize module requires
//!    (`>= VERSION`), and moves the CHANGELOG's Unreleased entries under `## [VERSION] - DATE`;
//! 3. builds (unless `--no-build`): the provider for every platform this machine can build
//!    (`dist-provider`: release zips, SHA256SUMS, manifest, mirror) and the three Lambda
//!    packages for arm64 and x86_64 (`dist-lambdas`) with their `SHA256SUMS`; a failed build
//!    puts every file of step 2 back;
//! 4. commits "Release VERSION" and makes the annotated tag `vVERSION` with the CHANGELOG
//!    section as its message. Pushing the tag runs `.github/workflows/release.yml`, which
//!    builds the platforms this machine could not (macOS, Windows) on native runners.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use devenv::paths;
use sha2::{Digest, Sha256};

/// Options of `cargo xtask release`.
#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    /// The version, `MAJOR.MINOR.PATCH` or `MAJOR.MINOR.PATCH-PRERELEASE` (no `v`).
    pub version: String,
    /// Write the version, the CHANGELOG section, the commit and the tag, but build nothing
    /// (the release workflow builds everything from the tag).
    #[arg(long)]
    pub no_build: bool,
}

/// The CHANGELOG's headings: Keep a Changelog's, in the project's order.
const KINDS: &[&str] = &["Added", "Changed", "Fixed", "Removed"];

/// Runs the release in the workspace.
///
/// # Errors
/// On any refused input or failed step, with what to do.
pub fn release(args: &ReleaseArgs) -> anyhow::Result<()> {
    let root = paths::workspace_root();
    let version = &args.version;
    check_version(version)?;
    let current = workspace_version(&fs::read_to_string(root.join("Cargo.toml"))?)?;
    if semver_key(version)? < semver_key(&current)? {
        bail!("{version} is older than the workspace version {current}");
    }
    let tag = format!("v{version}");
    if let Some(at) = git_output(
        &root,
        &[
            "rev-parse",
            "-q",
            "--verify",
            &format!("refs/tags/{tag}^{{commit}}"),
        ],
    )? {
        bail!(
            "the tag {tag} exists already (at {}); pick a new version",
            at.trim()
        );
    }
    let dirty = git_output(&root, &["status", "--porcelain"])?
        .with_context(|| format!("{} is not a git working tree", root.display()))?;
    if !dirty.trim().is_empty() {
        bail!(
            "the working tree has uncommitted changes; commit or stash them first:\n{}",
            dirty.trim_end()
        );
    }
    let date = time::OffsetDateTime::now_utc().date().to_string();
    let edits = [
        (
            "Cargo.toml",
            set_workspace_version as fn(&str, &str) -> anyhow::Result<String>,
        ),
        (
            "terraform/modules/personalize/versions.tf",
            set_module_requirement,
        ),
    ];
    let mut originals: Vec<(PathBuf, String)> = Vec::new();
    let changelog_path = root.join("CHANGELOG.md");
    let changelog = fs::read_to_string(&changelog_path)?;
    let (released, section) = move_unreleased(&changelog, version, &date)?;
    let outcome = (|| -> anyhow::Result<()> {
        for (file, edit) in edits {
            let path = root.join(file);
            let text = fs::read_to_string(&path)?;
            fs::write(&path, edit(&text, version)?)?;
            originals.push((path, text));
        }
        originals.push((changelog_path.clone(), changelog.clone()));
        fs::write(&changelog_path, &released)?;
        let lock = root.join("Cargo.lock");
        originals.push((lock.clone(), fs::read_to_string(&lock)?));
        crate::cargo(&["update", "--workspace", "--offline"])
            .context("writing the version into Cargo.lock")?;
        if !args.no_build {
            build()?;
        }
        Ok(())
    })();
    if let Err(e) = outcome {
        for (path, text) in &originals {
            let _ = fs::write(path, text);
        }
        return Err(e.context("nothing was committed or tagged; every file is as it was"));
    }
    git(
        &root,
        &[
            "commit",
            "--quiet",
            "--all",
            "--message",
            &format!("Release {version}"),
        ],
    )?;
    git(
        &root,
        &[
            "tag",
            "--annotate",
            // Keep the section's `### Added` headings: git strips #-lines by default.
            "--cleanup=verbatim",
            &tag,
            "--message",
            &format!("{tag}\n\n{section}"),
        ],
    )?;
    eprintln!("xtask: released {version}: commit and tag {tag}; push both (`git push --follow-tags`) to run the release workflow");
    Ok(())
}

/// The provider and Lambda artifacts of this machine, plus the Lambdas' SHA256SUMS.
fn build() -> anyhow::Result<()> {
    crate::dist_provider::dist_provider(&crate::dist_provider::DistArgs {
        targets: Vec::new(),
        binary: None,
        prebuilt: Vec::new(),
        native: false,
        profile: "release".into(),
        out: None,
    })?;
    let zips = crate::dist_lambdas::dist_lambdas(&crate::dist_lambdas::DistArgs {
        arches: Vec::new(),
        functions: Vec::new(),
    })?;
    write_sums(&zips)
}

/// `SHA256SUMS` beside the Lambda zips (`sha256sum -c` checks it) and, per zip, a
/// `.base64sha256` file: the form Lambda reports as `CodeSha256` and the pipeline module takes
/// as `source_code_hash`.
pub fn write_sums(zips: &[PathBuf]) -> anyhow::Result<()> {
    use base64::Engine as _;
    let dir = zips
        .first()
        .and_then(|z| z.parent())
        .context("no Lambda packages were built")?;
    let mut lines = Vec::new();
    for zip in zips {
        let name = zip
            .file_name()
            .context("zip name")?
            .to_string_lossy()
            .into_owned();
        let digest = Sha256::digest(fs::read(zip)?);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        lines.push(format!("{hex}  {name}\n"));
        fs::write(
            dir.join(format!("{name}.base64sha256")),
            base64::engine::general_purpose::STANDARD.encode(digest),
        )?;
    }
    lines.sort();
    fs::write(dir.join("SHA256SUMS"), lines.concat())?;
    Ok(())
}

/// Prints the CHANGELOG section of `version` (the release workflow's release notes).
///
/// # Errors
/// When the CHANGELOG has no such section.
pub fn notes(version: &str) -> anyhow::Result<String> {
    check_version(version)?;
    let changelog = fs::read_to_string(paths::project_file("CHANGELOG.md"))?;
    section(&changelog, version)
        .map(|(_, body)| body.trim().to_owned() + "\n")
        .with_context(|| format!("CHANGELOG.md has no section for {version}"))
}

/// Refuses anything but `MAJOR.MINOR.PATCH[-PRERELEASE]` (Semantic Versioning 2.0.0, no build
/// metadata: Terraform's version constraints do not order it).
pub fn check_version(version: &str) -> anyhow::Result<()> {
    if version.is_empty() {
        bail!("the version is empty; give MAJOR.MINOR.PATCH, e.g. 0.2.0");
    }
    if version.len() > 64 {
        bail!(
            "the version is {} characters long; at most 64",
            version.len()
        );
    }
    if let Some(rest) = version.strip_prefix('v') {
        bail!("write the version without the v ({rest}); the tag gets it");
    }
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0'))
    };
    if parts.len() != 3 || !parts.iter().all(|p| numeric(p) && p.len() <= 9) {
        bail!("{version:?} is not a version: MAJOR.MINOR.PATCH, numbers without leading zeros (e.g. 0.2.0)");
    }
    if let Some(pre) = pre {
        let ok = pre.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && (!id.bytes().all(|b| b.is_ascii_digit()) || numeric(id))
        });
        if !ok {
            bail!("{version:?}: the pre-release part {pre:?} must be dot-separated identifiers of [0-9A-Za-z-] (e.g. 0.2.0-rc.1)");
        }
    }
    Ok(())
}

/// An ordering key: (major, minor, patch, release-after-prerelease, prerelease text).
fn semver_key(version: &str) -> anyhow::Result<(u64, u64, u64, bool, String)> {
    let (core, pre) = match version.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (version, None),
    };
    let mut n = core.split('.').map(str::parse::<u64>);
    let mut next = || -> anyhow::Result<u64> {
        Ok(n.next().context("version has fewer than three numbers")??)
    };
    Ok((
        next()?,
        next()?,
        next()?,
        pre.is_none(),
        pre.unwrap_or("").to_owned(),
    ))
}

/// `version = "..."` of `[workspace.package]`.
/// The `[workspace.package]` version of a root manifest's text.
///
/// # Errors
/// When the manifest has no quoted version there.
pub fn workspace_version(cargo_toml: &str) -> anyhow::Result<String> {
    let (_, line) = workspace_version_line(cargo_toml)?;
    Ok(line
        .split('"')
        .nth(1)
        .context("[workspace.package] version is not a quoted string")?
        .to_owned())
}

fn workspace_version_line(cargo_toml: &str) -> anyhow::Result<(usize, &str)> {
    let mut in_package = false;
    for (i, line) in cargo_toml.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_package = t == "[workspace.package]";
        } else if in_package && t.starts_with("version") && t.contains('=') {
            return Ok((i, line));
        }
    }
    bail!("Cargo.toml has no version in [workspace.package]")
}

fn set_workspace_version(cargo_toml: &str, version: &str) -> anyhow::Result<String> {
    let (at, _) = workspace_version_line(cargo_toml)?;
    Ok(replace_line(
        cargo_toml,
        at,
        &format!("version = \"{version}\""),
    ))
}

/// The personalize module requires the provider of its own release or newer.
fn set_module_requirement(versions_tf: &str, version: &str) -> anyhow::Result<String> {
    let at = versions_tf
        .lines()
        .position(|l| l.trim_start().starts_with("version") && l.contains(">="))
        .context(
            "the personalize module's versions.tf has no `version = \">= ...\"` for the provider",
        )?;
    let indent: String = versions_tf
        .lines()
        .nth(at)
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    Ok(replace_line(
        versions_tf,
        at,
        &format!("{indent}version = \">= {version}\""),
    ))
}

fn replace_line(text: &str, at: usize, with: &str) -> String {
    let mut out: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == at { with } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The `## [name]` section: (its heading line index, its body up to the next `## `).
fn section<'a>(changelog: &'a str, name: &str) -> Option<(usize, &'a str)> {
    let heading = format!("## [{name}]");
    let start = changelog
        .match_indices(&heading)
        .find(|(i, _)| *i == 0 || changelog.as_bytes()[i - 1] == b'\n')?
        .0;
    let body_start = start
        + changelog[start..]
            .find('\n')
            .map_or(changelog.len() - start, |n| n + 1);
    let end = changelog[body_start..]
        .find("\n## ")
        .map_or(changelog.len(), |n| body_start + n + 1);
    Some((start, &changelog[body_start..end]))
}

/// The CHANGELOG with Unreleased's entries under `## [version] - date` and a fresh, empty
/// Unreleased above it; also returns the new section's body.
///
/// # Errors
/// When there is no Unreleased section, it has no entries, or `version` has a section.
pub fn move_unreleased(
    changelog: &str,
    version: &str,
    date: &str,
) -> anyhow::Result<(String, String)> {
    if section(changelog, version).is_some() {
        bail!("CHANGELOG.md already has a section for {version}");
    }
    let (start, body) = section(changelog, "Unreleased")
        .context("CHANGELOG.md has no `## [Unreleased]` section")?;
    // Keep each `### Kind` with its entries; drop the empty ones.
    let mut kept = String::new();
    let mut heading: Option<&str> = None;
    let mut entries = String::new();
    let flush = |heading: Option<&str>, entries: &mut String, kept: &mut String| {
        if let Some(h) = heading {
            if !entries.trim().is_empty() {
                kept.push_str(&format!("{h}\n\n{}\n\n", entries.trim()));
            }
        } else if !entries.trim().is_empty() {
            kept.push_str(&format!("{}\n\n", entries.trim()));
        }
        entries.clear();
    };
    for line in body.lines() {
        if line.starts_with("### ") {
            flush(heading, &mut entries, &mut kept);
            heading = Some(line);
        } else {
            entries.push_str(line);
            entries.push('\n');
        }
    }
    flush(heading, &mut entries, &mut kept);
    if kept.trim().is_empty() {
        bail!(
            "CHANGELOG.md has no entries under Unreleased: write what this release changes first"
        );
    }
    let fresh: String = KINDS.iter().map(|k| format!("### {k}\n\n")).collect();
    let body_start = start + changelog[start..].find('\n').map_or(0, |n| n + 1);
    let rest = &changelog[body_start + body.len()..];
    let text = format!(
        "{}## [Unreleased]\n\n{fresh}## [{version}] - {date}\n\n{kept}{rest}",
        &changelog[..start]
    );
    Ok((text, kept.trim().to_owned()))
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .status()
        .context("running git")?;
    if !status.success() {
        bail!("`git {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Stdout of a git command, `None` when it exits non-zero (e.g. a ref that does not exist).
fn git_output(dir: &Path, args: &[&str]) -> anyhow::Result<Option<String>> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .context("running git")?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned()))
}

#[cfg(test)]
#[path = "release_tests.rs"]
mod tests;

//! `cargo xtask dist-provider`: the Terraform provider as the Registry, a filesystem mirror
//! and a network mirror expect it.
//!
//! Output under `target/dist/provider/` (or `--out`):
//! - `release/terraform-provider-personalize_VERSION_OS_ARCH.zip`, each holding the binary
//!   `terraform-provider-personalize_vVERSION` (`.exe` on Windows);
//!   `release/..._VERSION_manifest.json`, a copy of the repository's
//!   `terraform-registry-manifest.json` (plugin protocol 6); `release/..._VERSION_SHA256SUMS`
//!   over all of them (the Registry's release layout; `gpg --detach-sign` makes the `.sig`);
//! - `mirror/registry.terraform.io/personalize-realtime/personalize/` with the same zips, plus
//!   `index.json` and `VERSION.json` (archive URLs relative to that file, `h1:` and `zh:`
//!   hashes): the directory is at once a packed `filesystem_mirror` and, uploaded to any static
//!   HTTPS host, a provider network mirror (Terraform's documented static-file protocol).
//!   Versions already in the directory stay and are listed in `index.json`.
//!
//! Targets: by default every release platform (linux, macOS and Windows on amd64 and arm64);
//! those this machine cannot build are skipped with the reason ("where the toolchain allows").
//! `--target` names triples instead, and then a target that cannot be built is an error. How
//! each target is linked is decided in [`toolchain`] (zig for Linux); every built binary is
//! inspected ([`binary`]) before it is packaged. `--binary` packages an already built binary
//! for the host (tests), and `--prebuilt OS_ARCH=PATH` one built elsewhere (the release
//! workflow's native runners), next to any `--target` built. The header reader's tests, with
//! hand-made and hostile files, are in `binary_tests.rs`; the release procedure and its design
//! decisions are in `provider/README.md` ("Release and installation").

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use devenv::{paths, python};
use sha2::{Digest, Sha256};

mod binary;
pub(crate) mod toolchain;

use binary::{Arch, Format};
use toolchain::Linker;

/// The Registry's manifest of the provider (plugin protocol 6), kept at the repository root
/// where the Registry's release tooling reads it.
pub const REGISTRY_MANIFEST: &str = include_str!("../../terraform-registry-manifest.json");

/// The provider's type name and source address parts.
const NAME: &str = "personalize";
const NAMESPACE: &str = "personalize-realtime";
const HOSTNAME: &str = "registry.terraform.io";

/// Options of `cargo xtask dist-provider`.
#[derive(Debug, clap::Args)]
pub struct DistArgs {
    /// Rust target triples to build (default: every release platform this machine can build,
    /// skipping the others with the reason). Supported: x86_64/aarch64 linux-gnu, linux-musl
    /// and apple-darwin.
    #[arg(long = "target")]
    pub targets: Vec<String>,
    /// Package this already built binary for the host platform (besides any `--target`).
    #[arg(long)]
    pub binary: Option<PathBuf>,
    /// Package a binary built on another machine, as `OS_ARCH=PATH` (repeatable): how the
    /// release workflow joins the builds of its native runners. Linux binaries must keep to
    /// the glibc floor.
    #[arg(long, value_name = "OS_ARCH=PATH")]
    pub prebuilt: Vec<String>,
    /// Link the host target with the system linker instead of zig (no Python needed; the
    /// binary then needs the build machine's glibc or newer).
    #[arg(long)]
    pub native: bool,
    /// Cargo profile of the builds.
    #[arg(long, default_value = "release")]
    pub profile: String,
    /// Output directory (default: target/dist/provider).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Terraform's `OS_ARCH` for a Rust target triple.
pub fn platform(triple: &str) -> anyhow::Result<&'static str> {
    Ok(match triple {
        "x86_64-unknown-linux-gnu" | "x86_64-unknown-linux-musl" => "linux_amd64",
        "aarch64-unknown-linux-gnu" | "aarch64-unknown-linux-musl" => "linux_arm64",
        "x86_64-apple-darwin" => "darwin_amd64",
        "aarch64-apple-darwin" => "darwin_arm64",
        "x86_64-pc-windows-msvc" => "windows_amd64",
        "aarch64-pc-windows-msvc" => "windows_arm64",
        other => bail!("unsupported target {other:?} (linux, macOS or Windows, amd64 or arm64)"),
    })
}

/// The executable format and CPU a platform's binary must have.
fn expected(platform: &str) -> anyhow::Result<(Format, Arch)> {
    let (os, arch) = platform
        .split_once('_')
        .with_context(|| format!("platform {platform:?} is not OS_ARCH"))?;
    let format = match os {
        "linux" => Format::Elf,
        "darwin" => Format::MachO,
        "windows" => Format::Pe,
        other => bail!("no executable format known for {other}"),
    };
    let arch = match arch {
        "amd64" => Arch::Amd64,
        "arm64" => Arch::Arm64,
        other => bail!("no CPU known for {other}"),
    };
    Ok((format, arch))
}

/// Checks that `path` runs on `platform` (and needs no glibc newer than `floor`); returns a
/// description for the progress line.
fn verify(
    path: &Path,
    platform: &str,
    floor: Option<binary::GlibcVersion>,
) -> anyhow::Result<String> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let exe = binary::inspect(&bytes).with_context(|| format!("inspecting {}", path.display()))?;
    let (format, arch) = expected(platform)?;
    if (exe.format, exe.arch) != (format, arch) {
        bail!(
            "{} is a {:?} {:?} executable, not one for {platform}",
            path.display(),
            exe.arch,
            exe.format
        );
    }
    let mut text = format!(
        "{:.1} MB, {:?} {:?}",
        bytes.len() as f64 / 1e6,
        exe.arch,
        exe.format
    );
    if let Some((major, minor)) = exe.glibc {
        if let Some(floor) = floor.filter(|f| (major, minor) > *f) {
            bail!(
                "{} needs glibc {major}.{minor}, above the floor {}.{} it was linked for",
                path.display(),
                floor.0,
                floor.1
            );
        }
        text.push_str(&format!(", needs glibc >= {major}.{minor}"));
    }
    Ok(text)
}

/// The version to package: the workspace manifest's as it is now, not the one xtask was
/// compiled with. `cargo xtask release` writes the new version into Cargo.toml and then builds,
/// so a compile-time version would name the zips, the mirror and the binary after the previous
/// release (a fresh-clone release of 0.2.0 packaged `_0.1.0_` zips before this).
fn version(root: &Path) -> anyhow::Result<String> {
    let manifest = root.join("Cargo.toml");
    crate::release::workspace_version(
        &fs::read_to_string(&manifest)
            .with_context(|| format!("reading {}", manifest.display()))?,
    )
}

/// Builds and packages; returns the zips written.
///
/// # Errors
/// When a named target cannot be built here, a build fails or produces a binary for the wrong
/// platform, nothing could be built, or writing fails.
pub fn dist_provider(args: &DistArgs) -> anyhow::Result<Vec<PathBuf>> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| paths::target_dir().join("dist").join("provider"));
    let version = version(&paths::workspace_root())?;
    let mut machine = toolchain::Machine::probe()?;
    let mut binaries: Vec<(String, PathBuf)> = Vec::new();
    if let Some(binary) = &args.binary {
        let plat = platform(&machine.host)?;
        let what = verify(binary, plat, None)?;
        eprintln!("xtask: {plat}: packaging {} ({what})", binary.display());
        binaries.push((plat.to_owned(), binary.clone()));
    }
    for spec in &args.prebuilt {
        let (plat, path) = prebuilt(spec)?;
        if binaries.iter().any(|(p, _)| *p == plat) {
            bail!("--prebuilt {spec}: a second {plat} binary");
        }
        let floor = plat.starts_with("linux_").then_some(toolchain::GLIBC_FLOOR);
        let what = verify(&path, &plat, floor)?;
        eprintln!("xtask: {plat}: packaging {} ({what})", path.display());
        binaries.push((plat, path));
    }
    // Named targets must build; the default set is "what this machine can", the rest skipped.
    let explicit = !args.targets.is_empty() || args.binary.is_some() || !args.prebuilt.is_empty();
    let targets: Vec<String> = if explicit {
        args.targets.clone()
    } else {
        toolchain::RELEASE_TARGETS
            .iter()
            .map(|t| (*t).to_owned())
            .collect()
    };
    let mut builds: Vec<(String, &'static str, Linker)> = Vec::new();
    for triple in &targets {
        let plat = platform(triple)?;
        if binaries.iter().any(|(p, _)| p == plat) || builds.iter().any(|(_, p, _)| *p == plat) {
            bail!("{triple} would be a second {plat} binary");
        }
        if explicit && !machine.installed.contains(triple) {
            // A named target gets its standard library through rustup, as in dist-lambdas,
            // unless something else would stop it anyway (macOS without Apple's SDK).
            let mut assumed = machine.clone();
            assumed.installed.push(triple.clone());
            if toolchain::plan(triple, &assumed, args.native).is_ok() {
                crate::dist_lambdas::ensure_target(triple)?;
                machine.recheck(triple);
            }
        }
        match toolchain::plan(triple, &machine, args.native) {
            Ok(linker) => builds.push((triple.clone(), plat, linker)),
            Err(why) if explicit => bail!("cannot build {triple} on this machine: {why}"),
            Err(why) => eprintln!("xtask: skipping {triple} ({plat}): {why}"),
        }
    }
    let venv = if builds
        .iter()
        .any(|(_, _, l)| matches!(l, Linker::Zig { .. }))
    {
        let venv = python::venv().context("zig comes from the project venv")?;
        Some(venv)
    } else {
        None
    };
    let total = builds.len();
    for (i, (triple, plat, linker)) in builds.iter().enumerate() {
        let (how, floor) = match linker {
            Linker::Native => ("the system linker".to_owned(), None),
            Linker::Zig { glibc: Some(g) } => (format!("zig, glibc {}.{}", g.0, g.1), Some(*g)),
            Linker::Zig { glibc: None } => ("zig".to_owned(), None),
        };
        eprintln!(
            "xtask: [{}/{total}] {plat}: building {triple} ({} profile, {how})...",
            i + 1,
            args.profile
        );
        let started = Instant::now();
        let bin = toolchain::build(triple, &args.profile, linker, venv.as_ref())?;
        let what = verify(&bin, plat, floor)?;
        eprintln!(
            "xtask: [{}/{total}] {plat}: built in {:.0?} ({what})",
            i + 1,
            started.elapsed()
        );
        binaries.push(((*plat).to_owned(), bin));
    }
    if binaries.is_empty() {
        bail!("no target could be built");
    }
    package(&out, &version, &binaries)
}

/// `OS_ARCH=PATH` of `--prebuilt`, the platform one a release covers.
fn prebuilt(spec: &str) -> anyhow::Result<(String, PathBuf)> {
    let (plat, path) = spec
        .split_once('=')
        .with_context(|| format!("--prebuilt {spec:?} is not OS_ARCH=PATH"))?;
    let known = toolchain::RELEASE_TARGETS
        .iter()
        .filter_map(|t| platform(t).ok())
        .collect::<Vec<_>>();
    if !known.contains(&plat) {
        bail!(
            "--prebuilt {spec:?}: {plat:?} is not a release platform ({})",
            known.join(", ")
        );
    }
    if path.is_empty() {
        bail!("--prebuilt {spec:?} names no file");
    }
    Ok((plat.to_owned(), PathBuf::from(path)))
}

/// Writes the release files and the mirror for `(OS_ARCH, binary)` pairs; returns the zips.
///
/// # Errors
/// When a binary cannot be read or a file cannot be written.
pub fn package(
    out: &Path,
    version: &str,
    binaries: &[(String, PathBuf)],
) -> anyhow::Result<Vec<PathBuf>> {
    let release = out.join("release");
    let mirror = out.join("mirror").join(HOSTNAME).join(NAMESPACE).join(NAME);
    if release.exists() {
        fs::remove_dir_all(&release).with_context(|| format!("clearing {}", release.display()))?;
    }
    fs::create_dir_all(&release)?;
    fs::create_dir_all(&mirror)?;
    let prefix = format!("terraform-provider-{NAME}_{version}");
    // This version's files are replaced; other versions in the mirror stay.
    for entry in fs::read_dir(&mirror)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!("{prefix}_")) || name == format!("{version}.json") {
            fs::remove_file(entry.path())?;
        }
    }
    let mut sums = Vec::new();
    let mut zips = Vec::new();
    let mut archives = serde_json::Map::new();
    for (plat, binary) in binaries {
        let bytes = fs::read(binary).with_context(|| format!("reading {}", binary.display()))?;
        let zip_name = format!("{prefix}_{plat}.zip");
        let exe = if plat.starts_with("windows_") {
            ".exe"
        } else {
            ""
        };
        let member = format!("terraform-provider-{NAME}_v{version}{exe}");
        let zip = zip_one(&member, &bytes)?;
        fs::write(release.join(&zip_name), &zip)?;
        fs::write(mirror.join(&zip_name), &zip)?;
        let zip_sha = sha256_hex(&zip);
        archives.insert(
            plat.clone(),
            serde_json::json!({
                "url": zip_name,
                "hashes": [hash_h1(&[(&member, &bytes)]), format!("zh:{zip_sha}")],
            }),
        );
        sums.push((zip_sha, zip_name));
        zips.push(release.join(format!("{prefix}_{plat}.zip")));
    }
    let manifest_name = format!("{prefix}_manifest.json");
    fs::write(release.join(&manifest_name), REGISTRY_MANIFEST)?;
    sums.push((sha256_hex(REGISTRY_MANIFEST.as_bytes()), manifest_name));
    sums.sort_by(|a, b| a.1.cmp(&b.1));
    let text: String = sums.iter().map(|(h, n)| format!("{h}  {n}\n")).collect();
    fs::write(release.join(format!("{prefix}_SHA256SUMS")), text)?;
    write_json(
        &mirror.join(format!("{version}.json")),
        &serde_json::json!({ "archives": archives }),
    )?;
    write_mirror_index(&mirror)?;
    eprintln!(
        "xtask: provider {version} for {} platform(s) in {}",
        binaries.len(),
        out.display()
    );
    Ok(zips)
}

/// `index.json` of a network mirror: every `VERSION.json` beside it, as the protocol's
/// "List Available Versions" answer (`{"versions": {"0.1.0": {}}}`).
fn write_mirror_index(mirror: &Path) -> anyhow::Result<()> {
    let mut versions = serde_json::Map::new();
    for entry in fs::read_dir(mirror)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if let Some(v) = name.strip_suffix(".json").filter(|v| *v != "index") {
            versions.insert(v.to_owned(), serde_json::json!({}));
        }
    }
    write_json(
        &mirror.join("index.json"),
        &serde_json::json!({ "versions": versions }),
    )
}

fn write_json(path: &Path, value: &serde_json::Value) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Terraform's `h1:` hash of a provider package: the SHA-256 of the lines
/// `"<hex SHA-256 of the file>  <name>\n"` of its files sorted by name, in base64 (the scheme
/// of Go's `dirhash.Hash1`, which Terraform applies to the unpacked zip and records in
/// `.terraform.lock.hcl`).
pub fn hash_h1(files: &[(&str, &[u8])]) -> String {
    use base64::Engine as _;
    let mut files = files.to_vec();
    files.sort_by(|a, b| a.0.cmp(b.0));
    let mut summary = Sha256::new();
    for (name, bytes) in files {
        summary.update(format!("{}  {name}\n", sha256_hex(bytes)));
    }
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary.finalize())
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A zip archive holding one executable file, deflated (what Terraform's installer unpacks).
fn zip_one(name: &str, data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    let crc = crc.sum();
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    let compressed = enc.finish()?;
    let size = u32::try_from(data.len()).context("binary larger than 4 GiB")?;
    let csize = u32::try_from(compressed.len()).context("archive larger than 4 GiB")?;
    let name_len = u16::try_from(name.len())?;
    // DOS date 1980-01-01 00:00: reproducible archives.
    let (time, date) = (0u16, (1u16 << 5) | 1);
    let mut out = Vec::with_capacity(compressed.len() + 200);
    // Local file header.
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&8u16.to_le_bytes()); // deflate
    out.extend_from_slice(&time.to_le_bytes());
    out.extend_from_slice(&date.to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&csize.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&compressed);
    let central_offset = u32::try_from(out.len())?;
    // Central directory entry: made by Unix (3), mode 0755 in the external attributes.
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(&time.to_le_bytes());
    out.extend_from_slice(&date.to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&csize.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // extra
    out.extend_from_slice(&0u16.to_le_bytes()); // comment
    out.extend_from_slice(&0u16.to_le_bytes()); // disk
    out.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
    out.extend_from_slice(&((0o100_755u32) << 16).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(name.as_bytes());
    let central_size = u32::try_from(out.len())? - central_offset;
    // End of central directory.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_follow_terraform_names() {
        assert_eq!(platform("x86_64-unknown-linux-gnu").unwrap(), "linux_amd64");
        assert_eq!(platform("aarch64-apple-darwin").unwrap(), "darwin_arm64");
        assert!(platform("wasm32-unknown-unknown").is_err());
    }

    /// Runs the command with `targets` and `binary` into a scratch directory.
    fn run(targets: &[&str], binary: Option<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
        let out = tempfile::tempdir().unwrap();
        dist_provider(&DistArgs {
            targets: targets.iter().map(|t| (*t).to_owned()).collect(),
            binary,
            prebuilt: Vec::new(),
            native: false,
            profile: "release".into(),
            out: Some(out.path().to_path_buf()),
        })
    }

    #[test]
    fn bad_command_lines_fail_before_any_build() {
        let err = run(&["wasm32-unknown-unknown"], None).unwrap_err();
        assert!(err.to_string().contains("unsupported target"), "{err:#}");
        let err = run(
            &["x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"],
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("second linux_amd64"), "{err:#}");
        let err = run(&[], Some(PathBuf::from("no/such/binary"))).unwrap_err();
        assert!(
            format!("{err:#}").contains("reading no/such/binary"),
            "{err:#}"
        );
    }

    #[test]
    fn a_binary_for_another_platform_is_not_packaged() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("script");
        fs::write(&script, b"#!/bin/sh\necho hi\n").unwrap();
        let err = run(&[], Some(script)).unwrap_err();
        assert!(format!("{err:#}").contains("not an executable"), "{err:#}");
        // An ELF header for a CPU other than the host's.
        let other = if cfg!(target_arch = "aarch64") {
            binary::EM_X86_64
        } else {
            binary::EM_AARCH64
        };
        let mut elf = vec![0u8; 64];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[18..20].copy_from_slice(&other.to_le_bytes());
        let foreign = dir.path().join("foreign");
        fs::write(&foreign, elf).unwrap();
        let err = run(&[], Some(foreign)).unwrap_err();
        assert!(format!("{err:#}").contains("not one for"), "{err:#}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_named_target_this_machine_cannot_link_is_an_error() {
        if std::env::var_os("SDKROOT").is_some() {
            return; // zig could link macOS here.
        }
        let err = run(&["aarch64-apple-darwin"], None).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("cannot build aarch64-apple-darwin on this machine")
                && text.contains("Apple's SDK"),
            "{text}"
        );
    }

    #[test]
    fn h1_is_terraforms_dirhash_of_the_unpacked_files() {
        // Known answer, computed independently: SHA-256 over the sorted
        // "<hex sha256>  <name>\n" lines, base64.
        assert_eq!(
            hash_h1(&[("b", b"world"), ("a", b"hello")]),
            "h1:LA9SOxcQFeNs5FFe07rPuwc30I/D1icwPEVtfcsu/QM="
        );
    }

    #[test]
    fn the_manifest_declares_the_protocol_the_provider_serves() {
        let manifest: serde_json::Value = serde_json::from_str(REGISTRY_MANIFEST).unwrap();
        assert_eq!(manifest["version"], 1);
        assert_eq!(
            manifest["metadata"]["protocol_versions"],
            serde_json::json!(["6.0"])
        );
    }

    #[test]
    fn prebuilt_binaries_are_named_by_release_platform() {
        let (plat, path) = prebuilt("windows_arm64=dist/a.exe").unwrap();
        assert_eq!(
            (plat.as_str(), path),
            ("windows_arm64", PathBuf::from("dist/a.exe"))
        );
        for (spec, expected) in [
            ("linux_amd64", "is not OS_ARCH=PATH"),
            ("", "is not OS_ARCH=PATH"),
            (
                "freebsd_amd64=x",
                "\"freebsd_amd64\" is not a release platform",
            ),
            ("linux_amd64=", "names no file"),
            ("../../etc=x", "is not a release platform"),
        ] {
            let err = prebuilt(spec).unwrap_err().to_string();
            assert!(err.contains(expected), "{spec:?}: {err}");
        }
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("script");
        fs::write(&script, b"#!/bin/sh\n").unwrap();
        let out = tempfile::tempdir().unwrap();
        let err = dist_provider(&DistArgs {
            targets: Vec::new(),
            binary: None,
            prebuilt: vec![format!("darwin_arm64={}", script.display())],
            native: false,
            profile: "release".into(),
            out: Some(out.path().to_path_buf()),
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("not an executable"), "{err:#}");
    }

    /// What `cargo xtask release` relies on: the version it has just written to Cargo.toml
    /// names the packages, whatever version xtask itself was built with.
    #[test]
    fn the_version_is_the_manifests_as_it_is_now() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = []\n\n[workspace.package]\nedition = \"2021\"\nversion = \"9.8.7\"\n",
        )
        .unwrap();
        assert_eq!(version(dir.path()).unwrap(), "9.8.7");
        assert_ne!(env!("CARGO_PKG_VERSION"), "9.8.7");
        let missing = version(&dir.path().join("nowhere")).unwrap_err();
        assert!(format!("{missing:#}").contains("reading"), "{missing:#}");
    }

    #[test]
    fn package_writes_registry_and_mirror_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::write(&bin, b"#!/bin/sh\necho hi\n").unwrap();
        let zips = package(
            &dir.path().join("out"),
            "1.2.3",
            &[("linux_amd64".into(), bin)],
        )
        .unwrap();
        assert_eq!(zips.len(), 1);
        let release = dir.path().join("out/release");
        let sums =
            fs::read_to_string(release.join("terraform-provider-personalize_1.2.3_SHA256SUMS"))
                .unwrap();
        assert!(
            sums.contains("  terraform-provider-personalize_1.2.3_linux_amd64.zip\n"),
            "{sums}"
        );
        assert!(
            sums.contains("  terraform-provider-personalize_1.2.3_manifest.json\n"),
            "{sums}"
        );
        let zip = fs::read(&zips[0]).unwrap();
        assert!(sums.contains(&sha256_hex(&zip)));
        assert!(zip
            .windows(33)
            .any(|w| w == b"terraform-provider-personalize_v1"));
        let mirror = dir
            .path()
            .join("out/mirror/registry.terraform.io/personalize-realtime/personalize");
        assert!(mirror
            .join("terraform-provider-personalize_1.2.3_linux_amd64.zip")
            .is_file());
        let read = |name: &str| -> serde_json::Value {
            serde_json::from_str(&fs::read_to_string(mirror.join(name)).unwrap()).unwrap()
        };
        let v = read("1.2.3.json");
        let archive = &v["archives"]["linux_amd64"];
        assert_eq!(
            archive["url"],
            "terraform-provider-personalize_1.2.3_linux_amd64.zip"
        );
        let member: &[u8] = b"#!/bin/sh\necho hi\n";
        assert_eq!(
            archive["hashes"],
            serde_json::json!([
                hash_h1(&[("terraform-provider-personalize_v1.2.3", member)]),
                format!("zh:{}", sha256_hex(&zip)),
            ])
        );
        assert_eq!(
            read("index.json"),
            serde_json::json!({"versions": {"1.2.3": {}}})
        );

        // A second version joins the first; Windows binaries are `.exe` in their zip.
        package(
            &dir.path().join("out"),
            "1.3.0",
            &[("windows_amd64".into(), dir.path().join("bin"))],
        )
        .unwrap();
        assert_eq!(
            read("index.json"),
            serde_json::json!({"versions": {"1.2.3": {}, "1.3.0": {}}})
        );
        assert!(read("1.3.0.json")["archives"]["windows_amd64"]["hashes"][0]
            .as_str()
            .unwrap()
            .starts_with("h1:"));
        let zip = fs::read(
            dir.path()
                .join("out/release/terraform-provider-personalize_1.3.0_windows_amd64.zip"),
        )
        .unwrap();
        assert!(zip
            .windows(41)
            .any(|w| w == b"terraform-provider-personalize_v1.3.0.exe"));
        assert!(!dir
            .path()
            .join("out/release/terraform-provider-personalize_1.2.3_SHA256SUMS")
            .exists());
    }
}

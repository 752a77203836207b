//! `cargo xtask dist-provider`: the Terraform provider as the Registry and a filesystem mirror
//! expect it.
//!
//! Output under `target/dist/provider/` (or `--out`):
//! - `release/terraform-provider-personalize_VERSION_OS_ARCH.zip`, each holding the binary
//!   `terraform-provider-personalize_vVERSION`; `release/..._VERSION_manifest.json` declaring
//!   plugin protocol 6; `release/..._VERSION_SHA256SUMS` over all of them (the Registry's
//!   release layout);
//! - `mirror/registry.terraform.io/personalize-realtime/personalize/` with the same zips: a
//!   packed `filesystem_mirror` that `terraform init` installs from, with no registry.
//!
//! Targets: by default every release platform (linux and macOS on amd64 and arm64); those this
//! machine cannot build are skipped with the reason ("where the toolchain allows"). `--target`
//! names triples instead, and then a target that cannot be built is an error. How each target
//! is linked is decided in [`toolchain`] (zig for Linux); every built binary is inspected
//! ([`binary`]) before it is packaged. `--binary` packages an already built binary for the
//! host (tests), next to any `--target` built.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use testkit::{paths, python};

mod binary;
pub(crate) mod toolchain;

use binary::{Arch, Format};
use toolchain::Linker;

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
        other => bail!("unsupported target {other:?} (linux or macOS, amd64 or arm64)"),
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

fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
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
    let version = version();
    let mut machine = toolchain::Machine::probe()?;
    let mut binaries: Vec<(String, PathBuf)> = Vec::new();
    if let Some(binary) = &args.binary {
        let plat = platform(&machine.host)?;
        let what = verify(binary, plat, None)?;
        eprintln!("xtask: {plat}: packaging {} ({what})", binary.display());
        binaries.push((plat.to_owned(), binary.clone()));
    }
    // Named targets must build; the default set is "what this machine can", the rest skipped.
    let explicit = !args.targets.is_empty() || args.binary.is_some();
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
    for dir in [&release, &mirror] {
        if dir.exists() {
            fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
        fs::create_dir_all(dir)?;
    }
    let prefix = format!("terraform-provider-{NAME}_{version}");
    let mut sums = Vec::new();
    let mut zips = Vec::new();
    for (plat, binary) in binaries {
        let bytes = fs::read(binary).with_context(|| format!("reading {}", binary.display()))?;
        let zip_name = format!("{prefix}_{plat}.zip");
        let zip = zip_one(&format!("terraform-provider-{NAME}_v{version}"), &bytes)?;
        fs::write(release.join(&zip_name), &zip)?;
        fs::write(mirror.join(&zip_name), &zip)?;
        sums.push((sha256_hex(&zip), zip_name));
        zips.push(release.join(format!("{prefix}_{plat}.zip")));
    }
    let manifest_name = format!("{prefix}_manifest.json");
    let manifest =
        "{\n  \"version\": 1,\n  \"metadata\": {\n    \"protocol_versions\": [\"6.0\"]\n  }\n}\n";
    fs::write(release.join(&manifest_name), manifest)?;
    sums.push((sha256_hex(manifest.as_bytes()), manifest_name));
    sums.sort_by(|a, b| a.1.cmp(&b.1));
    let text: String = sums.iter().map(|(h, n)| format!("{h}  {n}\n")).collect();
    fs::write(release.join(format!("{prefix}_SHA256SUMS")), text)?;
    eprintln!(
        "xtask: provider {version} for {} platform(s) in {}",
        binaries.len(),
        out.display()
    );
    Ok(zips)
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
        assert!(dir
            .path()
            .join("out/mirror/registry.terraform.io/personalize-realtime/personalize/terraform-provider-personalize_1.2.3_linux_amd64.zip")
            .is_file());
    }
}

//! Which targets this machine can build and how: the host's own linker, or zig through
//! cargo-zigbuild from the project venv (pinned in `tools/requirements.txt`).
//!
//! Linux targets link with zig against a fixed glibc floor ([`GLIBC_FLOOR`]) by default, the
//! host included: every `linux_*` zip then runs on the same systems, whatever glibc the build
//! machine has (a native link would need the build machine's glibc or newer). zig also
//! compiles ring's C and assembly for the target, so no system cross toolchain is needed; the
//! Rust standard library of the target must be installed (rustup). macOS needs Apple's SDK to
//! link, which only a Mac (or `SDKROOT`) provides; Windows needs the MSVC linker, which only
//! Windows provides (the release workflow builds each of them on its own runner).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use super::binary::GlibcVersion;

/// Oldest glibc the Linux binaries run on: Rust's own minimum for linux-gnu (RHEL 7,
/// Amazon Linux 2 and every newer distribution).
pub const GLIBC_FLOOR: GlibcVersion = (2, 17);

/// Every target a release covers, in the order they are built.
pub const RELEASE_TARGETS: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "aarch64-pc-windows-msvc",
];

/// How one target gets built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linker {
    /// `cargo build` with the toolchain's own linker (the host, or macOS on a Mac).
    Native,
    /// `cargo-zigbuild build`; `glibc` is the floor for linux-gnu targets.
    Zig {
        /// The glibc version linked against (gnu targets only).
        glibc: Option<GlibcVersion>,
    },
}

impl Linker {
    /// The `--target` value: cargo-zigbuild takes the glibc floor as a suffix.
    pub fn target_arg(&self, triple: &str) -> String {
        match self {
            Self::Zig {
                glibc: Some((major, minor)),
            } => format!("{triple}.{major}.{minor}"),
            _ => triple.to_owned(),
        }
    }
}

/// What the machine offers, gathered once (see [`Machine::probe`]).
#[derive(Debug, Clone)]
pub struct Machine {
    /// `rustc -vV`'s host triple.
    pub host: String,
    /// Targets whose standard library is installed.
    pub installed: Vec<String>,
    /// Whether `SDKROOT` names a macOS SDK (lets zig link for macOS off a Mac).
    pub sdkroot: bool,
}

impl Machine {
    /// Asks rustc for the host and looks for each release target's standard library.
    ///
    /// # Errors
    /// When rustc cannot be run.
    pub fn probe() -> anyhow::Result<Self> {
        let host = host_triple()?;
        let installed = RELEASE_TARGETS
            .iter()
            .copied()
            .chain([host.as_str()])
            .filter(|t| std_installed(t))
            .map(str::to_owned)
            .collect();
        Ok(Self {
            sdkroot: std::env::var_os("SDKROOT").is_some_and(|s| Path::new(&s).is_dir()),
            host,
            installed,
        })
    }

    /// Looks for the standard library of `triple` again (after `rustup target add`).
    pub fn recheck(&mut self, triple: &str) {
        if !self.installed.iter().any(|t| t == triple) && std_installed(triple) {
            self.installed.push(triple.to_owned());
        }
    }
}

/// How to build `triple` on `machine`, or why it cannot be built here. `native` asks for
/// the host's own linker for the host target (no venv; glibc floor of the build machine).
///
/// # Errors
/// The reason the target cannot be built on this machine (a sentence for the skip line).
pub fn plan(triple: &str, machine: &Machine, native: bool) -> Result<Linker, String> {
    // The SDK first: it is the reason that no rustup command can mend.
    let host_is_mac = machine.host.ends_with("-apple-darwin");
    let to_mac = triple.ends_with("-apple-darwin");
    if to_mac && !host_is_mac && !machine.sdkroot {
        return Err(
            "linking for macOS needs Apple's SDK: build on a Mac, or set SDKROOT to a \
                    macOS SDK"
                .to_owned(),
        );
    }
    let to_windows = triple.ends_with("-pc-windows-msvc");
    if to_windows && !machine.host.ends_with("-pc-windows-msvc") {
        return Err(
            "linking for Windows needs the MSVC toolchain: build on Windows (the release \
             workflow does, on a Windows runner)"
                .to_owned(),
        );
    }
    if !machine.installed.iter().any(|t| t == triple) {
        return Err(format!(
            "the Rust standard library for it is not installed (`rustup target add {triple}`)"
        ));
    }
    if to_windows {
        return Ok(Linker::Native);
    }
    if to_mac {
        return Ok(if host_is_mac {
            Linker::Native
        } else {
            Linker::Zig { glibc: None }
        });
    }
    if native && triple == machine.host {
        return Ok(Linker::Native);
    }
    Ok(Linker::Zig {
        glibc: triple.ends_with("-linux-gnu").then_some(GLIBC_FLOOR),
    })
}

/// The release binary of `triple` for cargo `profile`, built the way `linker` says; returns
/// its path. Cargo's own progress lines show while it runs.
///
/// # Errors
/// When the build fails (then the target's output is not packaged).
pub fn build(
    triple: &str,
    profile: &str,
    linker: &Linker,
    venv: Option<&devenv::python::Venv>,
) -> anyhow::Result<PathBuf> {
    let mut command = match linker {
        Linker::Native => Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())),
        Linker::Zig { .. } => {
            let venv = venv.context("zig builds need the project venv")?;
            venv.tool_command("cargo-zigbuild")
        }
    };
    without_package_variables(&mut command)
        .current_dir(devenv::paths::workspace_root())
        .args(["build", "--profile", profile])
        .args(["-p", "terraform-provider-personalize"])
        .args(["--bin", "terraform-provider-personalize"])
        .args(["--target", &linker.target_arg(triple)]);
    let status = command.status().with_context(|| {
        format!(
            "running {}",
            command.get_program().to_string_lossy().into_owned()
        )
    })?;
    if !status.success() {
        bail!("building {triple} failed ({status})");
    }
    // Cargo's directory for the dev profile is `debug`; every other profile is its own name.
    let dir = if profile == "dev" { "debug" } else { profile };
    Ok(devenv::paths::target_dir()
        .join(triple)
        .join(dir)
        .join(format!(
            "terraform-provider-personalize{}",
            if triple.contains("windows") {
                ".exe"
            } else {
                ""
            }
        )))
}

/// Removes from a nested cargo build the per-package variables `cargo run` (and a test
/// harness) set for xtask, such as CARGO_MANIFEST_DIR: a build script that reads one (ring's
/// does) would see it change between a `cargo xtask` run and a direct one, and rebuild ring
/// and its dependants each time. Used by `dist-provider` and `dist-lambdas`.
pub fn without_package_variables(command: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(is_package_variable) {
            command.env_remove(key);
        }
    }
    command
}

/// Variables cargo sets for the one package it runs (not configuration of the build).
fn is_package_variable(key: &str) -> bool {
    key.starts_with("CARGO_PKG_")
        || key.starts_with("CARGO_BIN_")
        || matches!(
            key,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_CRATE_NAME"
                | "CARGO_PRIMARY_PACKAGE"
        )
}

/// The host triple of the Rust toolchain.
///
/// # Errors
/// When rustc cannot be run or prints no host.
pub fn host_triple() -> anyhow::Result<String> {
    let out = rustc().arg("-vV").output().context("running rustc -vV")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV printed no host")
}

/// Whether the standard library of `triple` is installed: its `libstd-*.rlib` is in the
/// target's lib directory (works with and without rustup).
fn std_installed(triple: &str) -> bool {
    let Ok(out) = rustc()
        .args(["--print", "target-libdir", "--target", triple])
        .output()
    else {
        return false;
    };
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    out.status.success()
        && std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("libstd-") && name.ends_with(".rlib")
            })
        })
}

fn rustc() -> Command {
    Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux_box(installed: &[&str]) -> Machine {
        Machine {
            host: "x86_64-unknown-linux-gnu".into(),
            installed: installed.iter().map(|s| (*s).to_owned()).collect(),
            sdkroot: false,
        }
    }

    #[test]
    fn linux_targets_link_with_zig_at_the_glibc_floor() {
        let machine = linux_box(&["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"]);
        let zig = Linker::Zig {
            glibc: Some(GLIBC_FLOOR),
        };
        assert_eq!(
            plan("aarch64-unknown-linux-gnu", &machine, false),
            Ok(zig.clone())
        );
        assert_eq!(
            plan("x86_64-unknown-linux-gnu", &machine, false),
            Ok(zig.clone())
        );
        assert_eq!(
            zig.target_arg("aarch64-unknown-linux-gnu"),
            "aarch64-unknown-linux-gnu.2.17"
        );
        // --native only changes the host; a cross target still needs zig.
        assert_eq!(
            plan("x86_64-unknown-linux-gnu", &machine, true),
            Ok(Linker::Native)
        );
        assert_eq!(plan("aarch64-unknown-linux-gnu", &machine, true), Ok(zig));
        assert_eq!(
            Linker::Native.target_arg("x86_64-unknown-linux-gnu"),
            "x86_64-unknown-linux-gnu"
        );
    }

    #[test]
    fn musl_targets_have_no_glibc_floor() {
        let machine = linux_box(&["aarch64-unknown-linux-musl"]);
        let linker = plan("aarch64-unknown-linux-musl", &machine, false).unwrap();
        assert_eq!(linker, Linker::Zig { glibc: None });
        assert_eq!(
            linker.target_arg("aarch64-unknown-linux-musl"),
            "aarch64-unknown-linux-musl"
        );
    }

    #[test]
    fn missing_std_or_sdk_is_a_reason_to_skip() {
        let machine = linux_box(&["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"]);
        let why = plan("aarch64-unknown-linux-gnu", &machine, false).unwrap_err();
        assert!(
            why.contains("rustup target add aarch64-unknown-linux-gnu"),
            "{why}"
        );
        for mac in ["aarch64-apple-darwin", "x86_64-apple-darwin"] {
            // Installed or not, the SDK is what is missing.
            let why = plan(mac, &machine, false).unwrap_err();
            assert!(why.contains("SDKROOT"), "{why}");
        }
        let with_sdk = Machine {
            sdkroot: true,
            ..machine
        };
        assert_eq!(
            plan("aarch64-apple-darwin", &with_sdk, false),
            Ok(Linker::Zig { glibc: None })
        );
    }

    #[test]
    fn windows_builds_only_on_windows() {
        let machine = linux_box(&["x86_64-pc-windows-msvc"]);
        let why = plan("x86_64-pc-windows-msvc", &machine, false).unwrap_err();
        assert!(why.contains("MSVC"), "{why}");
        let windows = Machine {
            host: "x86_64-pc-windows-msvc".into(),
            installed: vec!["x86_64-pc-windows-msvc".into()],
            sdkroot: false,
        };
        assert_eq!(
            plan("x86_64-pc-windows-msvc", &windows, false),
            Ok(Linker::Native)
        );
        let why = plan("aarch64-pc-windows-msvc", &windows, false).unwrap_err();
        assert!(why.contains("rustup target add"), "{why}");
    }

    #[test]
    fn a_mac_builds_macos_natively() {
        let mac = Machine {
            host: "aarch64-apple-darwin".into(),
            installed: vec!["aarch64-apple-darwin".into(), "x86_64-apple-darwin".into()],
            sdkroot: false,
        };
        assert_eq!(plan("x86_64-apple-darwin", &mac, false), Ok(Linker::Native));
        assert_eq!(
            plan("aarch64-apple-darwin", &mac, false),
            Ok(Linker::Native)
        );
    }

    #[test]
    fn only_per_package_variables_are_dropped_from_builds() {
        for key in [
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_VERSION",
            "CARGO_BIN_EXE_x",
            "CARGO_CRATE_NAME",
        ] {
            assert!(is_package_variable(key), "{key}");
        }
        for key in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_JOBS",
            "PATH",
        ] {
            assert!(!is_package_variable(key), "{key}");
        }
    }

    #[test]
    fn probing_finds_the_host_std() {
        let machine = Machine::probe().unwrap();
        assert!(
            machine.installed.contains(&machine.host),
            "{machine:?}: the toolchain running this test has its host std"
        );
    }
}

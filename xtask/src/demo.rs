//! `cargo xtask demo`: builds the workspace's binaries once, then hands over to
//! `local-stack demo` (the orchestration lives in the local-stack library, where the
//! end-to-end test runs the same code). The hand-over replaces this process, so a Ctrl-C
//! reaches the demo alone and it tears down in order.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use devenv::paths;

/// Options of `cargo xtask demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Leave the stack running; print curl commands to try and how to stop it.
    #[arg(long, conflicts_with = "stop")]
    keep_running: bool,
    /// Stop a demo left running by --keep-running (terraform destroy, every process stopped).
    #[arg(long)]
    stop: bool,
    /// Emulator lifecycles complete at once instead of stage by stage.
    #[arg(long)]
    instant: bool,
    /// The walkthrough on a VIDEO_ON_DEMAND domain dataset group: recommenders instead of the
    /// campaign, and the item-to-item routes (more like X, because you watched X).
    #[arg(long, conflicts_with = "stop")]
    domain: bool,
}

/// Runs the demo.
///
/// # Errors
/// When the build fails or the demo binary cannot be started.
pub fn demo(args: &DemoArgs) -> anyhow::Result<()> {
    if !args.stop {
        eprintln!("xtask: building the binaries (cargo build --workspace --bins)...");
        let started = Instant::now();
        crate::cargo(&["build", "--workspace", "--bins"])?;
        eprintln!("xtask: built in {:.1?}", started.elapsed());
    }
    let binary = paths::workspace_bin("local-stack")?;
    let mut command = Command::new(&binary);
    command
        .arg("demo")
        .arg("--root")
        .arg(paths::workspace_root())
        .arg("--bin-dir")
        .arg(paths::bin_dir())
        .arg("--work-dir")
        .arg(paths::target_dir().join("demo"));
    if args.keep_running {
        command.arg("--keep-running");
    }
    if args.stop {
        command.arg("--stop");
    }
    if args.instant {
        command.arg("--instant");
    }
    if args.domain {
        command.arg("--domain");
    }
    let error = command.exec();
    Err(error).with_context(|| format!("starting {}", binary.display()))
}

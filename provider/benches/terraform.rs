//! Wall-time benchmark of the provider through the real Terraform CLI (run with
//! `cargo bench -p terraform-provider-personalize --bench terraform`):
//! - the provider's start-up (spawn to plugin handshake line), median of 20;
//! - `terraform apply` of the whole walkthrough against personalize-local's default clock;
//! - a no-change `terraform plan` of it, median of 5.
//!
//! Figures go to BENCHMARKS.md ("terraform-provider-personalize").

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::provider::{emulator, walkthrough, workdir};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-personalize");

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn startup() -> Duration {
    let runs = (0..20)
        .map(|_| {
            let started = Instant::now();
            let mut child = Command::new(PROVIDER)
                .env(
                    "TF_PLUGIN_MAGIC_COOKIE",
                    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
                )
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("provider starts");
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            let elapsed = started.elapsed();
            assert!(line.starts_with("1|6|tcp|"), "handshake: {line:?}");
            child.kill().ok();
            child.wait().ok();
            elapsed
        })
        .collect();
    median(runs)
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a filter this harness ignores.
    let startup = startup();
    println!("provider start-up (spawn to handshake), median of 20: {startup:.1?}");

    let emu = emulator::start(false);
    let provider_dir = Path::new(PROVIDER)
        .parent()
        .expect("binary has a directory");
    let w = workdir(provider_dir, &walkthrough::config(emu.endpoint(), "1"));
    let started = Instant::now();
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let apply = started.elapsed();
    println!("walkthrough apply, emulator default clock: {apply:.1?}");

    let plans = (0..5)
        .map(|_| {
            let started = Instant::now();
            let (code, text) = w.plan_exit_code();
            assert_eq!(code, 0, "{text}");
            started.elapsed()
        })
        .collect();
    println!(
        "no-change plan of the walkthrough, median of 5: {:.1?}",
        median(plans)
    );

    let started = Instant::now();
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
    println!(
        "walkthrough destroy, emulator default clock: {:.1?}",
        started.elapsed()
    );
}

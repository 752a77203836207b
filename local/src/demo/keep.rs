//! A demo left running with `--keep-running`: its processes detached, a state file naming them
//! and the Terraform run, and [`stop`], which tears it down later from that file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::infra::Terraform;
use super::{step_start, DemoOptions, Report, Running};
use devenv::process::detachable::terminate_pid;

/// The state file of a demo left running.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    moto_pid: u32,
    emulator_pid: u32,
    stack_pid: u32,
    emulator_url: String,
    base_url: String,
    /// A ready `Authorization` header for user 429 (`Authorization: <ID token>`).
    authorization_header: String,
    terraform: PathBuf,
    config_dir: PathBuf,
    work_dir: PathBuf,
    provider_dir: PathBuf,
    vars: std::collections::BTreeMap<String, String>,
}

/// Where a demo left running records itself.
pub fn state_file(work_dir: &Path) -> PathBuf {
    work_dir.join("demo-state.json")
}

/// The signing key of the demo's authorizer (shared by the demo, which issues tokens, and
/// `local-stack serve`, which verifies them).
pub fn signing_key_file(work_dir: &Path) -> PathBuf {
    work_dir.join("auth").join("signing-key")
}

pub(crate) fn keep(
    options: &DemoOptions,
    mut running: Running,
    report: &Report,
) -> anyhow::Result<()> {
    let terraform = running.terraform.take().context("no Terraform to keep")?;
    let state = State {
        moto_pid: running.moto.take().context("moto is not running")?.detach(),
        emulator_pid: running
            .emulator
            .take()
            .context("the emulator is not running")?
            .detach(),
        stack_pid: running
            .stack
            .take()
            .context("local-stack is not running")?
            .detach(),
        emulator_url: running.emulator_url.clone().unwrap_or_default(),
        base_url: report.base_url.clone(),
        authorization_header: report.authorization_header.clone(),
        terraform: terraform.executable.clone(),
        config_dir: terraform.config_dir.clone(),
        work_dir: terraform.work_dir.clone(),
        provider_dir: options.bin_dir.clone(),
        vars: terraform.vars.clone(),
    };
    std::fs::write(
        state_file(&options.work_dir),
        serde_json::to_string_pretty(&state)?,
    )?;
    let api = &report.base_url;
    println!(
        "\nThe local stack keeps running (logs in {}). Every route needs the Authorization \
         header of user 429 (an ID token valid {} h, also in {}):\n\n\
         export AUTH='{}'\n\n\
         Try:\n\n\
         curl -s -H \"$AUTH\" '{api}/recommendations?userId=429&numResults=5'\n\
         curl -s -H \"$AUTH\" '{api}/recommendations?numResults=5&filter=comedies'\n{domain}\
         curl -s -H \"$AUTH\" -X POST '{api}/events' -H 'content-type: application/json' \\\n  \
         -d '{{\"sessionId\":\"s1\",\"events\":[{{\"eventType\":\"click\",\"itemId\":\"185\"}}]}}'\n\
         curl -s -H \"$AUTH\" '{api}/recommendations?userId=1'   # another user: 403\n\n\
         Stop it (terraform destroy, then every process) with:\n\n  cargo xtask demo --stop\n",
        options.work_dir.join("logs").display(),
        super::TOKEN_TTL_SECONDS / 3600,
        state_file(&options.work_dir).display(),
        report.authorization_header,
        domain = if options.domain {
            format!(
                "curl -s -H \"$AUTH\" '{api}/recommendations/more-like?itemId=185&numResults=5'\n\
                 curl -s -H \"$AUTH\" '{api}/recommendations/because-you-watched?itemId=185&numResults=5'\n"
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Tears down a demo left running by `keep_running`: local-stack stopped, `terraform
/// destroy`, personalize-local and moto stopped, the state file removed.
///
/// # Errors
/// When there is no state file, or `terraform destroy` fails (the processes are stopped
/// anyway).
pub async fn stop(work_dir: &Path, verbose: bool) -> anyhow::Result<()> {
    let path = state_file(work_dir);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("no demo is running (no {})", path.display()))?;
    let state: State = serde_json::from_str(&text).context("reading the demo state file")?;
    let grace = Duration::from_secs(15);
    let t = step_start(verbose, "stopping local-stack");
    terminate_pid(state.stack_pid, grace);
    if verbose {
        println!(
            "==> stopping local-stack: done in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let mut terraform = Terraform::new(
        state.terraform.clone(),
        state.config_dir.clone(),
        state.work_dir.clone(),
        &state.provider_dir,
    )?;
    terraform.vars = state.vars.clone();
    let t = step_start(verbose, "terraform destroy");
    let destroyed = if devenv::process::detachable::alive(state.emulator_pid) {
        terraform.destroy().await.map(drop)
    } else {
        Err(anyhow::anyhow!(
            "personalize-local is no longer running; nothing to destroy against"
        ))
    };
    if verbose {
        println!(
            "==> terraform destroy: done in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    terminate_pid(state.emulator_pid, grace);
    terminate_pid(state.moto_pid, grace);
    std::fs::remove_file(&path)?;
    let _ = std::fs::remove_file(terraform.state_file());
    if verbose {
        println!("==> stopped: local-stack, personalize-local, moto");
    }
    destroyed
}

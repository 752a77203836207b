//! The demo's infrastructure: moto, personalize-local, the data upload, Terraform on
//! `examples/local`, and the local-stack process; each a step the demo times and tears down.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context};
use aws_sdk_s3::primitives::ByteStream;
use sha2::{Digest, Sha256};

use devenv::process::detachable::{Announce, Process};

/// Files of the walkthrough's data set uploaded to the bucket, as (file, key).
pub const DATA_FILES: [(&str, &str); 2] = [
    ("interactions.csv", "interactions.csv"),
    ("item-meta.csv", "item-meta.csv"),
];

/// Starts `moto_server` of the project venv on a free port.
///
/// # Errors
/// When the venv cannot be made or moto does not come up within 60 s.
pub fn start_moto(logs: &Path) -> anyhow::Result<Process> {
    let venv = devenv::python::venv()?;
    let mut command = Command::new(venv.bin("moto_server"));
    command.args(["-H", "127.0.0.1", "-p", "0"]);
    Process::spawn(
        "moto",
        command,
        logs,
        Announce::Stderr,
        Duration::from_secs(60),
        |line| {
            line.split_once("Running on ")
                .map(|(_, url)| url.trim().trim_end_matches('/').to_owned())
        },
    )
}

/// How the emulator is started.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// The `personalize-local` binary.
    pub binary: PathBuf,
    /// Its state directory (emptied first: each demo starts from nothing).
    pub state_dir: PathBuf,
    /// moto's URL, for import jobs.
    pub s3_endpoint: String,
    /// Lifecycles complete at once (tests) instead of stage by stage.
    pub instant: bool,
    /// Duration of each lifecycle stage when not instant.
    pub stage_delay: Duration,
}

/// Starts personalize-local.
///
/// # Errors
/// When the binary does not start or announce its address within 30 s.
pub fn start_emulator(options: &EmulatorOptions, logs: &Path) -> anyhow::Result<Process> {
    if options.state_dir.exists() {
        std::fs::remove_dir_all(&options.state_dir)
            .with_context(|| format!("emptying {}", options.state_dir.display()))?;
    }
    std::fs::create_dir_all(&options.state_dir)?;
    let mut command = Command::new(&options.binary);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--s3-endpoint"])
        .arg(&options.s3_endpoint)
        .arg("--state-dir")
        .arg(&options.state_dir)
        // The walkthrough's data meets Personalize's minimums: the demo holds it to them, as
        // AWS would.
        .arg("--strict-quotas");
    if options.instant {
        command.arg("--instant");
    } else {
        command
            .arg("--stage-delay-ms")
            .arg(options.stage_delay.as_millis().to_string());
    }
    command.env("RUST_LOG", "info");
    Process::spawn(
        "personalize-local",
        command,
        logs,
        Announce::Stdout,
        Duration::from_secs(30),
        |line| {
            let line = line.trim();
            line.parse::<std::net::SocketAddr>()
                .ok()
                .map(|addr| format!("http://{addr}"))
        },
    )
}

/// Uploads the walkthrough's data to `bucket` (created if missing) and returns a digest of
/// it, the `data_version` Terraform imports under.
///
/// # Errors
/// When a file cannot be read or moto refuses a call.
pub async fn upload_data(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    data_dir: &Path,
) -> anyhow::Result<String> {
    crate::resources::ensure_bucket(s3, bucket).await?;
    let mut digest = Sha256::new();
    for (file, key) in DATA_FILES {
        let path = data_dir.join(file);
        let bytes = tokio::fs::read(&path)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        digest.update(&bytes);
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e.into_service_error()))
            .with_context(|| format!("uploading s3://{bucket}/{key}"))?;
    }
    let hex: String = digest.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(hex)
}

/// The walkthrough's data in the VIDEO_ON_DEMAND format ([`devenv::movies_domain`]) under
/// `domain/` in `bucket` (created if missing), for the demo's `--domain` variant; returns a
/// digest of it, the `data_version` Terraform imports under.
///
/// # Errors
/// When a file cannot be read or converted, or moto refuses a call.
pub async fn upload_domain_data(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    data_dir: &Path,
) -> anyhow::Result<String> {
    use devenv::movies_domain;
    crate::resources::ensure_bucket(s3, bucket).await?;
    let read = |name: &str| {
        let path = data_dir.join(name);
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let converted = [
        movies_domain::interactions(&read(movies_domain::SOURCES[0])?)?,
        movies_domain::items(&read(movies_domain::SOURCES[1])?)?,
    ];
    let mut digest = Sha256::new();
    for ((file, _), text) in movies_domain::FILES.iter().zip(converted) {
        let key = format!("domain/{file}");
        digest.update(text.as_bytes());
        s3.put_object()
            .bucket(bucket)
            .key(&key)
            .body(ByteStream::from(text.into_bytes()))
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e.into_service_error()))
            .with_context(|| format!("uploading s3://{bucket}/{key}"))?;
    }
    let hex: String = digest.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(hex)
}

/// Terraform on `examples/local`, with the demo's own CLI config (dev_overrides to the
/// workspace's provider build), data directory and state file, so neither the user's
/// `~/.terraformrc` nor the example folder is touched.
#[derive(Debug, Clone)]
pub struct Terraform {
    /// The executable.
    pub executable: PathBuf,
    /// `examples/local`.
    pub config_dir: PathBuf,
    /// Where the CLI config, `TF_DATA_DIR` and the state live.
    pub work_dir: PathBuf,
    /// Variables for plan, apply and destroy.
    pub vars: BTreeMap<String, String>,
    /// The process id of the command running now, so an interrupt can stop it gracefully.
    pub running: Arc<Mutex<Option<u32>>>,
}

impl Terraform {
    /// Prepares the work directory (CLI config with `dev_overrides` to `provider_dir`).
    ///
    /// # Errors
    /// When the directory or CLI config cannot be written.
    pub fn new(
        executable: PathBuf,
        config_dir: PathBuf,
        work_dir: PathBuf,
        provider_dir: &Path,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&work_dir)?;
        devenv::terraform::write_dev_overrides(&work_dir.join("cli.tfrc"), provider_dir)?;
        Ok(Self {
            executable,
            config_dir,
            work_dir,
            vars: BTreeMap::new(),
            running: Arc::default(),
        })
    }

    /// The state file.
    pub fn state_file(&self) -> PathBuf {
        self.work_dir.join("terraform.tfstate")
    }

    /// A command for `terraform <args>` in the example, with the demo's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.executable);
        command
            .current_dir(&self.config_dir)
            .args(args)
            .env("TF_CLI_CONFIG_FILE", self.work_dir.join("cli.tfrc"))
            .env("TF_DATA_DIR", self.work_dir.join("tf-data"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            // The emulator's fixed test credentials; the user's AWS settings stay out.
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN");
        command
    }

    fn var_args(&self) -> Vec<String> {
        self.vars
            .iter()
            .flat_map(|(k, v)| ["-var".to_owned(), format!("{k}={v}")])
            .collect()
    }

    /// `terraform get` (modules by relative path; the provider needs no `init` under
    /// `dev_overrides`).
    ///
    /// # Errors
    /// When Terraform fails; the error holds its output.
    pub async fn get(&self) -> anyhow::Result<()> {
        self.run(&["get"]).await.map(drop)
    }

    /// `terraform apply -auto-approve`.
    ///
    /// # Errors
    /// When Terraform fails; the error holds its output.
    pub async fn apply(&self) -> anyhow::Result<String> {
        self.change("apply").await
    }

    /// `terraform destroy -auto-approve`; nothing to do without a state file.
    ///
    /// # Errors
    /// When Terraform fails; the error holds its output.
    pub async fn destroy(&self) -> anyhow::Result<String> {
        if !self.state_file().exists() {
            return Ok(String::new());
        }
        self.change("destroy").await
    }

    /// `terraform <verb> -auto-approve` on the demo's state with its variables.
    async fn change(&self, verb: &str) -> anyhow::Result<String> {
        let state = format!("-state={}", self.state_file().display());
        let vars = self.var_args();
        let mut args = vec![verb, "-auto-approve", "-input=false", "-no-color", &state];
        args.extend(vars.iter().map(String::as_str));
        self.run(&args).await
    }

    /// `terraform output -json`.
    ///
    /// # Errors
    /// When Terraform fails.
    pub async fn outputs_json(&self) -> anyhow::Result<String> {
        let state = format!("-state={}", self.state_file().display());
        self.run(&["output", "-json", &state]).await
    }

    async fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut command = tokio::process::Command::from(self.command(args));
        // Own process group: a terminal Ctrl-C reaches the demo only, which then interrupts
        // Terraform once (a second interrupt would make it exit without saving state).
        command
            .process_group(0)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = command
            .spawn()
            .with_context(|| format!("running {}", self.executable.display()))?;
        *self.running.lock().expect("not poisoned") = child.id();
        let output = child.wait_with_output().await;
        *self.running.lock().expect("not poisoned") = None;
        let output = output.context("waiting for terraform")?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            bail!(
                "`terraform {}` failed ({}):\n{}{}",
                args.first().copied().unwrap_or_default(),
                output.status,
                stdout,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(stdout)
    }

    /// Interrupts a Terraform command still running (after a Ctrl-C in the demo) and waits
    /// until it has saved its state and exited.
    pub async fn interrupt(&self) {
        let pid = *self.running.lock().expect("not poisoned");
        if let Some(pid) = pid {
            let _ = Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
            while devenv::process::detachable::alive(pid) && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // An interrupted Terraform can exit before its provider plugin does, and the
            // plugin ignores SIGTERM: end what is left of Terraform's own process group.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// Starts the `local-stack` binary on the outputs file and returns it with its base URL.
///
/// # Errors
/// When it does not start or announce its URL within 30 s.
pub fn start_stack(
    binary: &Path,
    outputs: &Path,
    signing_key: &Path,
    logs: &Path,
) -> anyhow::Result<Process> {
    let mut command = Command::new(binary);
    command
        .arg("serve")
        .arg("--outputs")
        .arg(outputs)
        .arg("--signing-key-file")
        .arg(signing_key)
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info");
    Process::spawn(
        "local-stack",
        command,
        logs,
        Announce::Stdout,
        Duration::from_secs(30),
        |line| line.starts_with("http://").then(|| line.trim().to_owned()),
    )
}

/// Personalize resources the emulator still holds, as `kind name` lines.
///
/// # Errors
/// When a list call fails.
pub async fn leftovers(endpoint: &str) -> anyhow::Result<Vec<String>> {
    let client = aws_sdk_personalize::Client::new(&sdk_config::local(endpoint, super::REGION));
    let mut left = Vec::new();
    // Each kind: its List call, the list in the answer, and how a reader names it.
    macro_rules! list {
        ($call:ident, $items:ident, $kind:literal) => {
            let answer = client
                .$call()
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e:?}", stringify!($call)))?;
            for item in answer.$items() {
                left.push(format!("{} {}", $kind, item.name().unwrap_or_default()));
            }
        };
    }
    list!(list_dataset_groups, dataset_groups, "dataset group");
    list!(list_schemas, schemas, "schema");
    list!(list_datasets, datasets, "dataset");
    list!(list_solutions, solutions, "solution");
    list!(list_campaigns, campaigns, "campaign");
    list!(list_event_trackers, event_trackers, "event tracker");
    list!(list_filters, filters, "filter");
    Ok(left)
}

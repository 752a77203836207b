//! Child processes of the local demo: started in their own process group (so a Ctrl-C in the
//! terminal reaches only the demo, which then tears down in order), their output in a log
//! file (so they keep running after the demo exits with `--keep-running`), their announced
//! address read from that file, and stopped when dropped unless detached.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// Which output announces readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    /// The first matching line of stdout.
    Stdout,
    /// The first matching line of stderr.
    Stderr,
}

/// A started child.
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Option<Child>,
    pid: u32,
    /// What the child announced (e.g. its URL).
    pub announced: String,
    /// Where its output goes.
    pub log: PathBuf,
}

impl Process {
    /// Spawns `command` with stdout to `<log_dir>/<name>.out` and stderr to
    /// `<log_dir>/<name>.log`, and waits up to `timeout` for `extract` to find the announced
    /// value in a line of the chosen stream.
    ///
    /// # Errors
    /// When the child cannot start, exits first, or announces nothing in time; the error
    /// quotes the end of its log.
    pub fn spawn(
        name: &str,
        mut command: Command,
        log_dir: &Path,
        announce: Announce,
        timeout: Duration,
        extract: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(log_dir)?;
        let out_path = log_dir.join(format!("{name}.out"));
        let err_path = log_dir.join(format!("{name}.log"));
        let out = File::create(&out_path)?;
        let err = File::create(&err_path)?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", command.get_program()))?;
        let pid = child.id();
        let mut process = Self {
            name: name.to_owned(),
            child: Some(child),
            pid,
            announced: String::new(),
            log: err_path.clone(),
        };
        let watched = match announce {
            Announce::Stdout => out_path,
            Announce::Stderr => err_path,
        };
        let started = Instant::now();
        let mut reader = BufReader::new(File::open(&watched)?);
        let mut line = String::new();
        let mut position = 0u64;
        loop {
            line.clear();
            let read = reader.read_line(&mut line)?;
            if read > 0 && line.ends_with('\n') {
                position += read as u64;
                if let Some(found) = extract(line.trim_end()) {
                    process.announced = found;
                    return Ok(process);
                }
                continue;
            }
            // A partial line: read it again once the child has finished writing it.
            reader.seek(SeekFrom::Start(position))?;
            if let Some(status) = process
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!(
                    "{name} exited ({status}) before it was ready:\n{}",
                    tail(&process.log)
                );
            }
            if started.elapsed() > timeout {
                bail!(
                    "{name} announced nothing within {timeout:?}:\n{}",
                    tail(&process.log)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Lets the child outlive this handle (for `--keep-running`); stop it later with
    /// [`terminate_pid`].
    pub fn detach(mut self) -> u32 {
        self.child = None;
        self.pid
    }

    /// Asks the child to stop (SIGTERM) and waits up to `grace` before killing it.
    pub fn stop(&mut self, grace: Duration) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = signal(self.pid, "TERM");
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        tracing::warn!("{} did not stop within {grace:?}; killing it", self.name);
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(10));
    }
}

/// The last lines of a log, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Sends `SIGTERM` to `pid` and waits up to `grace` for it to end, then `SIGKILL`s it.
/// Returns false if there was no such process.
pub fn terminate_pid(pid: u32, grace: Duration) -> bool {
    if !alive(pid) {
        return false;
    }
    let _ = signal(pid, "TERM");
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = signal(pid, "KILL");
    true
}

/// True while a process `pid` exists (and is not a zombie of ours).
pub fn alive(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The state letter follows the parenthesised command name.
    match stat.rsplit_once(") ") {
        Some((_, rest)) => !rest.starts_with('Z') && !rest.starts_with('X'),
        None => false,
    }
}

/// `kill -<SIG> <pid>`: std has no signal API and the workspace forbids `unsafe`.
fn signal(pid: u32, sig: &str) -> std::io::Result<std::process::ExitStatus> {
    Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `script` under `sh` as a child announcing on stdout.
    fn sh(
        dir: &Path,
        script: &str,
        extract: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Process> {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        Process::spawn(
            "s",
            command,
            dir,
            Announce::Stdout,
            Duration::from_secs(10),
            extract,
        )
    }

    #[test]
    fn reads_the_announcement_and_stops_the_child_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let script = "echo noise; sleep 0.1; echo 'ready at 127.0.0.1:5'; exec sleep 60";
        let p = sh(dir.path(), script, |l| {
            l.strip_prefix("ready at ").map(str::to_owned)
        })
        .unwrap();
        assert_eq!(p.announced, "127.0.0.1:5");
        let pid = p.pid();
        assert!(alive(pid));
        drop(p);
        assert!(!alive(pid));
    }

    #[test]
    fn a_child_that_exits_first_is_reported_with_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let e = sh(dir.path(), "echo 'port in use' >&2; exit 3", |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("exited") && e.contains("port in use"), "{e}");
    }

    #[test]
    fn a_detached_child_survives_until_terminated() {
        let dir = tempfile::tempdir().unwrap();
        let p = sh(dir.path(), "echo up; exec sleep 60", |l| Some(l.to_owned())).unwrap();
        let pid = p.detach();
        assert!(alive(pid));
        assert!(terminate_pid(pid, Duration::from_secs(5)));
        assert!(!alive(pid));
        assert!(!terminate_pid(4_000_000, Duration::from_millis(10)));
    }
}

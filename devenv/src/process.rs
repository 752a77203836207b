//! Child processes: started, their announced address read, killed when dropped.
//!
//! [`Service`] pipes the child's output (a test's server, dead with the test); [`detachable`]
//! logs it to files and can leave the child running (the local demo's servers).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{anyhow, Context};

pub mod detachable;

/// Which output stream of the child announces readiness.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A running child process that is killed (and reaped) when dropped, so a failing test never
/// leaves a server behind.
#[derive(Debug)]
pub struct Service {
    child: Child,
    /// The value announced by the child (e.g. `http://127.0.0.1:41251`).
    pub announced: String,
}

impl Service {
    /// Spawns `command` and waits up to `timeout` for a line on `stream` from which `extract`
    /// returns `Some`; the rest of that stream keeps draining in the background so the child
    /// never blocks on a full pipe.
    ///
    /// # Errors
    /// When the child cannot start, exits first, or announces nothing in time; the error
    /// carries the lines it printed.
    pub fn spawn(
        mut command: Command,
        stream: Stream,
        timeout: Duration,
        extract: impl Fn(&str) -> Option<String> + Send + 'static,
    ) -> anyhow::Result<Self> {
        let name = format!("{:?}", command.get_program());
        match stream {
            Stream::Stdout => command.stdout(Stdio::piped()).stderr(Stdio::inherit()),
            Stream::Stderr => command.stdout(Stdio::null()).stderr(Stdio::piped()),
        };
        command.stdin(Stdio::null());
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let pipe: Box<dyn Read + Send> = match stream {
            Stream::Stdout => Box::new(child.stdout.take().expect("piped")),
            Stream::Stderr => Box::new(child.stderr.take().expect("piped")),
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut lines = BufReader::new(pipe).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                if let Some(found) = extract(&line) {
                    let _ = tx.send(Ok(found));
                    // Keep draining so the child never blocks on a full pipe.
                    for _ in lines.by_ref() {}
                    return;
                }
                seen.push(line);
            }
            let _ = tx.send(Err(seen.join("\n")));
        });
        let outcome = rx.recv_timeout(timeout);
        let mut service = Self {
            child,
            announced: String::new(),
        };
        match outcome {
            Ok(Ok(found)) => {
                service.announced = found;
                Ok(service)
            }
            Ok(Err(output)) => Err(anyhow!("{name} exited before it was ready:\n{output}")),
            Err(_) => Err(anyhow!("{name} announced nothing within {timeout:?}")),
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the child at once (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `command` to completion: whether it succeeded, and its standard output followed by its
/// standard error (what a test matches messages in, wherever the program printed them).
///
/// # Panics
/// When the command cannot be started.
pub fn run_to_end(command: &mut Command) -> (bool, String) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

//! A moto server from the project venv: S3, Kinesis, SQS and the rest over the AWS wire
//! protocols, on a free loopback port, stopped when dropped.

use std::process::Command;
use std::time::Duration;

use crate::process::{Service, Stream};
use crate::python;

/// A running moto server.
#[derive(Debug)]
pub struct Moto {
    service: Service,
}

impl Moto {
    /// Starts `moto_server` on `127.0.0.1`, port 0, and waits until it says where it listens.
    ///
    /// # Errors
    /// When the venv cannot be made or the server does not come up within 30 s.
    pub fn start() -> anyhow::Result<Self> {
        let venv = python::venv()?;
        let mut command = Command::new(venv.bin("moto_server"));
        command.args(["-H", "127.0.0.1", "-p", "0"]);
        let service = Service::spawn(command, Stream::Stderr, Duration::from_secs(30), |line| {
            line.split_once("Running on ")
                .map(|(_, url)| url.trim().to_owned())
        })?;
        Ok(Self { service })
    }

    /// The server's endpoint, e.g. `http://127.0.0.1:41251`.
    pub fn endpoint(&self) -> &str {
        &self.service.announced
    }
}

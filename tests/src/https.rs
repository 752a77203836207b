//! A static HTTPS host on loopback (`tools/https_static.py` from the project venv): what a
//! provider network mirror is served from in tests, since Terraform accepts network mirrors
//! only over https. The server makes a throwaway self-signed certificate; clients trust it
//! through [`StaticHost::cert`] (`SSL_CERT_FILE` for Terraform).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{Service, Stream};
use crate::{paths, python};

/// A running static HTTPS host, stopped when dropped.
#[derive(Debug)]
pub struct StaticHost {
    service: Service,
    cert: PathBuf,
    _dir: tempfile::TempDir,
}

impl StaticHost {
    /// Serves `root` read-only on `127.0.0.1`, port 0.
    ///
    /// # Errors
    /// When the venv cannot be made or the server does not come up within 30 s.
    pub fn start(root: &Path) -> anyhow::Result<Self> {
        let venv = python::venv()?;
        let dir = tempfile::tempdir()?;
        let cert = dir.path().join("cert.pem");
        let mut command: Command = venv.python_command();
        command
            .arg(paths::project_file("tools/https_static.py"))
            .arg(root)
            .arg(&cert);
        let service = Service::spawn(command, Stream::Stdout, Duration::from_secs(30), |line| {
            line.strip_prefix("serving ").map(str::to_owned)
        })?;
        Ok(Self {
            service,
            cert,
            _dir: dir,
        })
    }

    /// The base URL, ending in `/`, e.g. `https://127.0.0.1:41251/`.
    pub fn url(&self) -> &str {
        &self.service.announced
    }

    /// The PEM certificate the server presents (its own issuer).
    pub fn cert(&self) -> &Path {
        &self.cert
    }
}

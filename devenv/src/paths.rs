//! Where things are: the workspace, its one target directory and the binaries built into it.

use std::path::{Path, PathBuf};

/// The workspace root (the directory holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("devenv lives one level below the workspace root")
        .to_path_buf()
}

/// The shared target directory: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        _ => workspace_root().join("target"),
    }
}

/// Directory of the workspace's debug binaries (`cargo xtask test` builds them before testing).
pub fn bin_dir() -> PathBuf {
    target_dir().join("debug")
}

/// Path of a workspace binary built by `cargo build --workspace --bins`.
///
/// # Errors
/// When the binary has not been built, with the command that builds it.
pub fn workspace_bin(name: &str) -> anyhow::Result<PathBuf> {
    let path = bin_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        path.is_file(),
        "{} is not built; `cargo xtask test` builds every binary before the tests \
         (or run `cargo build --workspace --bins`)",
        path.display()
    );
    Ok(path)
}

/// Path of a file shipped with the project, e.g. `examples/movies/data/interactions.csv`.
pub fn project_file(relative: &str) -> PathBuf {
    workspace_root().join(relative)
}

//! Every path a Markdown file of the project names exists: relative links (`[text](path)`) and
//! code spans that name a file or folder of the repository (`` `provider/src/lib.rs` ``). Docs
//! that point at moved or deleted files are how a reader gets lost first.

use std::path::{Path, PathBuf};

use testkit::paths::workspace_root;

/// Folders never read: build output, VCS data, installed packages.
const SKIP: &[&str] = &["target", ".git", "node_modules"];

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIP.contains(&name.as_str()) {
                markdown_files(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// The targets of inline links, `[text](target)`, without their `#fragment`.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].split('#').next().unwrap_or("").trim();
        let external = target.contains("://") || target.starts_with("mailto:");
        if !target.is_empty() && !external && !target.contains(' ') {
            out.push(target.to_owned());
        }
        rest = &rest[end..];
    }
    out
}

/// Code spans that read as a path into the repository: a top-level entry of the repository
/// followed by `/`, or a path up from the file's folder (`../x.rs`), with no placeholder (`<`,
/// `*`, `{`, `VERSION`, `...`).
fn code_span_paths(text: &str, top_level: &[String]) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| {
            span.contains('/')
                && span
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
                && !span.contains("...")
                && !span.contains("VERSION")
                && (span.starts_with("../")
                    || top_level.iter().any(|t| {
                        span.strip_prefix(t.as_str())
                            .is_some_and(|r| r.starts_with('/'))
                    }))
        })
        .map(|span| span.trim_end_matches('/').to_owned())
        .collect()
}

#[test]
fn every_path_a_markdown_file_names_exists() {
    let root = workspace_root();
    let mut files = Vec::new();
    markdown_files(&root, &mut files);
    assert!(
        files.len() > 20,
        "found only {} Markdown files",
        files.len()
    );
    let top_level: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !SKIP.contains(&n.as_str()) && !n.starts_with('.'))
        .collect();
    let mut missing = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let dir = file.parent().unwrap();
        let shown = file.strip_prefix(&root).unwrap().display().to_string();
        for target in link_targets(&text) {
            if !dir.join(&target).exists() {
                missing.push(format!("{shown}: link to {target}"));
            }
        }
        for path in code_span_paths(&text, &top_level) {
            if !root.join(&path).exists() && !dir.join(&path).exists() {
                missing.push(format!("{shown}: `{path}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "Markdown names paths that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn links_and_code_spans_are_read_as_paths_only_where_they_are_paths() {
    let text = "See [the design](DESIGN.md#layout), [AWS](https://aws.amazon.com/x) and [top](#top); \
                `provider/src/lib.rs`, `target/debug/x`, `examples/<name>/main.tf`, `a/b`, `cargo test`, \
                `../x.rs`, `examples/.../x`.";
    assert_eq!(link_targets(text), ["DESIGN.md"]);
    let top = vec!["provider".to_owned(), "examples".to_owned()];
    assert_eq!(
        code_span_paths(text, &top),
        ["provider/src/lib.rs", "../x.rs"]
    );
}

//! The `local-stack` binary refuses bad invocations with a precise message and a failure
//! status, before touching any service.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String) {
    devenv::process::run_to_end(Command::new(env!("CARGO_BIN_EXE_local-stack")).args(args))
}

#[test]
fn bad_invocations_fail_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let not_json = dir.path().join("not.json");
    std::fs::write(&not_json, "Apply complete!").unwrap();
    let no_output = dir.path().join("empty.json");
    std::fs::write(&no_output, "{}").unwrap();
    let hostile = dir.path().join("hostile.json");
    std::fs::write(
        &hostile,
        r#"{"local_stack":{"value":{"region":"us-east-1","account_id":"123456789012","name_prefix":"x","personalize_endpoint":"file:///etc/passwd","aws_endpoint":"http://127.0.0.1:1","campaign_arn":"arn:x","tracking_id":"t","stream_name":"s","bucket_name":"b","archive_prefix":"p","dlq_name":"d"}}}"#,
    )
    .unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "Usage"),
        (vec!["serve"], "--outputs"),
        (
            vec!["serve", "--outputs", missing.to_str().unwrap()],
            "reading",
        ),
        (
            vec!["serve", "--outputs", not_json.to_str().unwrap()],
            "not JSON",
        ),
        (
            vec!["serve", "--outputs", no_output.to_str().unwrap()],
            "no `local_stack`",
        ),
        (
            vec!["serve", "--outputs", hostile.to_str().unwrap()],
            "personalize_endpoint must be an http(s) URL",
        ),
        (
            vec!["serve", "--outputs", "a.json", "--terraform-dir", "."],
            "cannot be used with",
        ),
        (
            vec!["serve", "--outputs", "a.json", "--listen", "not-an-address"],
            "invalid value",
        ),
        (
            vec![
                "demo",
                "--root",
                ".",
                "--bin-dir",
                ".",
                "--work-dir",
                dir.path().to_str().unwrap(),
                "--stop",
            ],
            "no demo is running",
        ),
        (
            vec![
                "demo",
                "--root",
                ".",
                "--bin-dir",
                ".",
                "--work-dir",
                ".",
                "--stop",
                "--keep-running",
            ],
            "cannot be used with",
        ),
    ];
    for (args, expected) in cases {
        let (ok, output) = run(&args);
        assert!(!ok, "{args:?} succeeded:\n{output}");
        assert!(
            output.contains(expected),
            "{args:?}: expected {expected:?} in:\n{output}"
        );
    }
}

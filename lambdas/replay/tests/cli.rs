//! `personalize-replay` (what `cargo xtask replay` runs) as a user runs it: the binary, its AWS
//! settings from the standard environment variables, against moto's S3 and personalize-local. Bad flags are
//! refused with the flag named; a replay of an archive object trains each event once however
//! often it runs, and a dry run sends nothing.

use std::process::Command;

use personalize_local::testing::TestServer;
use testkit::moto::Moto;

/// The binary with a clean AWS environment pointing at `s3` and `events`.
fn replay(s3: &str, events: &str, args: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_personalize-replay"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            command.env_remove(k);
        }
    }
    command
        .current_dir(dir.path())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("AWS_ENDPOINT_URL_S3", s3)
        .env("AWS_ENDPOINT_URL_PERSONALIZE_EVENTS", events)
        .args(args);
    testkit::process::run_to_end(&mut command)
}

#[test]
fn bad_flags_are_refused_and_name_the_flag() {
    let tracking = ["--tracking-id", "t-1"];
    for (args, says) in [
        (vec![], "--tracking-id"),
        (tracking.to_vec(), "--failures"),
        (
            [
                &tracking[..],
                &["--failures", "s3://a-b/x", "--archive", "s3://a-b/y"],
            ]
            .concat(),
            "cannot be used with",
        ),
        (
            [&tracking[..], &["--archive", "a-b/y"]].concat(),
            "not an S3 location",
        ),
        (
            [&tracking[..], &["--archive", "s3://A_B/y"]].concat(),
            "not a bucket name",
        ),
        (
            [
                &tracking[..],
                &["--archive", "s3://a-b", "--concurrency", "0"],
            ]
            .concat(),
            "--concurrency",
        ),
        (
            [
                &tracking[..],
                &["--archive", "s3://a-b", "--concurrency", "65"],
            ]
            .concat(),
            "--concurrency",
        ),
        (
            [
                &tracking[..],
                &[
                    "--archive",
                    "s3://a-b",
                    "--dlq-url",
                    "u",
                    "--dead-letters",
                    "f",
                ],
            ]
            .concat(),
            "cannot be used with",
        ),
        (
            vec!["--tracking-id", " ", "--archive", "s3://a-b"],
            "--tracking-id must be 1 to 256 characters",
        ),
    ] {
        let (ok, out) = replay("http://127.0.0.1:9", "http://127.0.0.1:9", &args);
        assert!(!ok, "{args:?} was accepted: {out}");
        assert!(out.contains(says), "{args:?}: expected {says:?} in {out}");
    }
}

#[test]
fn an_archive_replay_trains_each_event_once_however_often_it_runs() {
    let moto = Moto::start().unwrap();
    let emulator = TestServer::start(personalize_local::Config {
        instant: true,
        ..personalize_local::Config::default()
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (group, tracking_id) = runtime.block_on(async {
        let personalize =
            aws_sdk_personalize::Client::new(&sdk_config::local(emulator.endpoint(), "us-east-1"));
        let group = personalize
            .create_dataset_group()
            .name("replay-cli")
            .send()
            .await
            .unwrap()
            .dataset_group_arn
            .unwrap();
        let tracker = personalize
            .create_event_tracker()
            .name("replay-cli")
            .dataset_group_arn(&group)
            .send()
            .await
            .unwrap();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk_config::local(moto.endpoint(), "us-east-1"))
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket("archive").send().await.unwrap();
        // Two records as collect writes them (ids given), one from another producer (none).
        let lines = concat!(
            r#"{"userId":"u1","sessionId":"s1","events":[{"eventType":"watch","itemId":"a","sentAt":1700000000,"eventId":"e-a"},{"eventType":"watch","itemId":"b","sentAt":1700000001,"eventId":"e-b"}]}"#,
            "\n",
            r#"{"userId":"u2","sessionId":"s2","events":[{"eventType":"watch","itemId":"c","sentAt":1700000002}]}"#,
            "\n"
        );
        s3.put_object()
            .bucket("archive")
            .key("events/year=2026/month=11/day=30/hour=10/events-1.gz")
            .body(gzip(lines.as_bytes()).into())
            .send()
            .await
            .unwrap();
        (group, tracker.tracking_id.unwrap())
    });
    let args = [
        "--tracking-id",
        tracking_id.as_str(),
        "--archive",
        "s3://archive/events/year=2026/",
    ];

    let (ok, out) = replay(
        moto.endpoint(),
        emulator.endpoint(),
        &[&args[..], &["--dry-run"]].concat(),
    );
    assert!(ok, "{out}");
    assert!(out.contains("dry run"), "{out}");
    assert!(
        out.contains("1 objects, 2 records, 3 events, 0 PutEvents calls"),
        "{out}"
    );
    assert!(
        emulator.training_events(&group).0.is_empty(),
        "a dry run sent events"
    );

    for run in 0..2 {
        let (ok, out) = replay(moto.endpoint(), emulator.endpoint(), &args);
        assert!(ok, "run {run}: {out}");
        assert!(
            out.contains("events-1.gz: 2 records, 3 events, 2 PutEvents calls, 0 dead letters"),
            "run {run}: {out}"
        );
        let (trained, repeats) = emulator.training_events(&group);
        assert_eq!(trained.len(), 3, "run {run}: {trained:?}");
        assert!(trained.values().all(|n| *n == 1), "run {run}: {trained:?}");
        assert_eq!(repeats, 3 * run, "run {run}");
    }

    // Nothing under the prefix is said, not an error.
    let (ok, out) = replay(
        moto.endpoint(),
        emulator.endpoint(),
        &[
            "--tracking-id",
            &tracking_id,
            "--failures",
            "s3://archive/aws/lambda/",
        ],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("nothing to replay under s3://archive/aws/lambda/"),
        "{out}"
    );

    // A bucket that does not exist is an error that names it.
    let (ok, out) = replay(
        moto.endpoint(),
        emulator.endpoint(),
        &[
            "--tracking-id",
            &tracking_id,
            "--archive",
            "s3://no-such-bucket/",
        ],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("listing s3://no-such-bucket/"), "{out}");
    assert!(out.contains("NoSuchBucket"), "{out}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

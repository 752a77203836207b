//! The `personalize-local` binary: the first stdout line is the address, state survives a
//! kill -9 and restart, SIGTERM shuts down cleanly, --help documents every flag.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_personalizeevents::types::Event;
use aws_smithy_types::DateTime;
use common::*;
use personalize_local::state::LogEntry;
use testkit::process::{Service, Stream};

fn binary() -> std::path::PathBuf {
    testkit::paths::workspace_bin("personalize-local").unwrap()
}

fn start(state: &Path, data: &Path, extra: &[&str]) -> Service {
    let mut command = Command::new(binary());
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(state)
        .arg("--data-root")
        .arg(data)
        .args(extra);
    Service::spawn(command, Stream::Stdout, Duration::from_secs(30), |line| {
        // The first line must be exactly the address.
        Some(line.to_owned())
    })
    .unwrap()
}

fn endpoint(service: &Service) -> String {
    let addr = &service.announced;
    assert!(
        addr.starts_with("127.0.0.1:") && addr[10..].parse::<u16>().is_ok(),
        "first stdout line: {addr:?}"
    );
    format!("http://{addr}")
}

fn watch_i60() -> Event {
    Event::builder()
        .event_id("e1")
        .event_type("watch")
        .item_id("i60")
        .sent_at(DateTime::from_secs(1_700_000_000))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_kill_9_and_restart() {
    let state = tempfile::tempdir().unwrap();
    let data = data_root();
    let mut first = start(state.path(), data.path(), &["--instant"]);
    let c = Clients::new(&endpoint(&first));
    let chain = build_chain(&c, "durable").await;
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .user_id("u2")
        .session_id("s")
        .event_list(watch_i60())
        .send()
        .await
        .unwrap();
    let before = recommend(&c, &chain.campaign, "u2", 10).await;
    first.kill();

    let second = start(state.path(), data.path(), &["--instant"]);
    let c = Clients::new(&endpoint(&second));
    let campaign = c
        .control
        .describe_campaign()
        .campaign_arn(&chain.campaign)
        .send()
        .await
        .unwrap()
        .campaign
        .unwrap();
    assert_eq!(campaign.status(), Some("ACTIVE"));
    let after = recommend(&c, &chain.campaign, "u2", 10).await;
    let ids = |v: &[(String, f64)]| v.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&before),
        ids(&after),
        "same model and events, same answer"
    );
    // The eventId survived the restart: sending the event again stores a repeat, which the
    // PutEvents reference keeps out of training ("Any subsequent events after the first with
    // the same event ID are not used in model training", API_UBS_Event).
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .user_id("u2")
        .session_id("s")
        .event_list(watch_i60())
        .send()
        .await
        .unwrap();
    assert_eq!(
        c.control
            .list_schemas()
            .send()
            .await
            .unwrap()
            .schemas()
            .len(),
        2
    );
    let mut second = second;
    second.kill();
    // Read what the killed server left on disk: e1 once as a training event, once as a repeat.
    let inner = personalize_local::state::Store::open(state.path())
        .unwrap()
        .load()
        .unwrap();
    let log = &inner.logs[&chain.group];
    let of_u2 = |repeat: bool| {
        log.entries
            .iter()
            .filter(|(_, e)| match e {
                LogEntry::Event { interaction, .. } => !repeat && interaction.user_id == "u2",
                LogEntry::Repeat { interaction, .. } => repeat && interaction.user_id == "u2",
                _ => false,
            })
            .count()
    };
    assert_eq!((of_u2(false), of_u2(true)), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_lifecycles_resume_after_restart() {
    let state = tempfile::tempdir().unwrap();
    let data = data_root();
    let mut first = start(state.path(), data.path(), &["--stage-delay-ms", "600000"]);
    let c = Clients::new(&endpoint(&first));
    let group = c
        .control
        .create_dataset_group()
        .name("paused")
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    let status = |c: Clients, arn: String| async move {
        c.control
            .describe_dataset_group()
            .dataset_group_arn(arn)
            .send()
            .await
            .unwrap()
            .dataset_group
            .unwrap()
            .status
            .unwrap()
    };
    assert_eq!(
        status(Clients::new(&endpoint(&first)), group.clone()).await,
        "CREATE PENDING"
    );
    first.kill();
    let second = start(state.path(), data.path(), &["--instant"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = status(Clients::new(&endpoint(&second)), group.clone()).await;
        if s == "ACTIVE" {
            break;
        }
        assert!(Instant::now() < deadline, "still {s}");
        tokio::task::yield_now().await;
    }
}

#[test]
fn sigterm_shuts_down_cleanly_and_help_documents_flags() {
    let mut child = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--instant"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.trim().starts_with("127.0.0.1:"), "{line:?}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");

    let help = Command::new(binary())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--listen",
        "--state-dir",
        "--data-root",
        "--s3-endpoint",
        "--account-id",
        "--instant",
        "--fault-put-events",
        "--fault-get-recommendations",
        "--fault-kind",
        "--fault-seed",
        "--verify-sigv4",
        "--credentials",
        "--metric-report-interval-secs",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
    let bad = Command::new(binary())
        .args(["serve", "--fault-put-events", "1.5"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_sigv4_needs_a_credential_and_then_checks_signatures() {
    // No credential: refused at startup, saying how to give one.
    let refused = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--verify-sigv4"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--verify-sigv4 needs at least one credential"),
        "{stderr}"
    );
    // Half an environment pair is refused too, rather than silently ignored.
    let half = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--verify-sigv4"])
        .env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    assert!(!half.status.success());
    assert!(String::from_utf8_lossy(&half.stderr).contains("AWS_SECRET_ACCESS_KEY is not"));
    // --credentials without --verify-sigv4 is a usage error.
    let alone = Command::new(binary())
        .args(["serve", "--credentials", "AKID:secret"])
        .output()
        .unwrap();
    assert!(!alone.status.success());

    // A --credentials pair and the environment pair are both accepted; others are not.
    let state = tempfile::tempdir().unwrap();
    let mut command = Command::new(binary());
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--instant",
            "--state-dir",
        ])
        .arg(state.path())
        .args(["--verify-sigv4", "--credentials", "AKIDFLAG:flag-secret"])
        .env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret");
    let service = Service::spawn(command, Stream::Stdout, Duration::from_secs(30), |line| {
        Some(line.to_owned())
    })
    .unwrap();
    let endpoint = endpoint(&service);
    for (id, secret) in [("AKIDFLAG", "flag-secret"), ("AKIDENV", "env-secret")] {
        let c = Clients::signing_as(&endpoint, id, secret);
        c.control.list_recipes().send().await.unwrap();
    }
    let e = Clients::signing_as(&endpoint, "AKIDFLAG", "env-secret")
        .control
        .list_recipes()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_personalize::error::ProvideErrorMetadata::code(&e),
        Some("InvalidSignatureException")
    );
}

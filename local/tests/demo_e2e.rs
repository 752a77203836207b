//! The demo path end to end, non-interactively: moto, personalize-local (instant clock),
//! `terraform apply` of examples/local with the provider, the local stack with the real
//! Lambda handlers, the walkthrough over HTTP, teardown. Then, against the live stack, the
//! Lambdas' bad-input catalogue replayed over real HTTP through the API Gateway stand-in.
//!
//! Needs the workspace binaries (`cargo xtask test` builds them first).

use std::time::Duration;

use futures::FutureExt;
use local_stack::demo::{self, DemoOptions};
use serde_json::Value;
use testkit::{paths, terraform};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walkthrough_changes_429s_recommendations_archives_everything_and_cleans_up() {
    for bin in [
        "personalize-local",
        "local-stack",
        "terraform-provider-personalize",
    ] {
        paths::workspace_bin(bin).unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let report = demo::run(DemoOptions {
        root: paths::workspace_root(),
        bin_dir: paths::bin_dir(),
        work_dir: work.path().to_path_buf(),
        terraform: terraform::find().unwrap().executable,
        instant: true,
        stage_delay: Duration::ZERO,
        keep_running: false,
        verbose: true,
        handle_ctrl_c: false,
        live_check: Some(Box::new(|base| replay_bad_input(base).boxed())),
    })
    .await
    .unwrap();

    assert_eq!(report.before.len(), 10, "{report:?}");
    assert_eq!(report.after.len(), 10, "{report:?}");
    assert_ne!(report.before, report.after, "the clicks changed nothing");
    // Towards 185's neighbourhood: more of the items its viewers also watched.
    assert!(
        report.neighbourhood.1 > report.neighbourhood.0,
        "the list did not move towards item 185's neighbourhood: {:?}",
        report.neighbourhood
    );
    assert_eq!(report.events_sent, 3);
    assert_eq!(report.events_archived, report.events_sent, "{report:?}");
    assert_eq!(report.dlq_messages, 0);
    assert!(
        report.leftovers.is_empty(),
        "left after destroy: {:?}",
        report.leftovers
    );
    assert!(
        !demo::state_file(work.path()).exists(),
        "a finished demo leaves no state file"
    );
}

/// (method, path under the stage, body, expected status, expected `field`).
type Case = (&'static str, String, String, u16, Option<&'static str>);

fn catalogue() -> Vec<Case> {
    let events = |e: &str| format!(r#"{{"userId":"u","sessionId":"s","events":[{e}]}}"#);
    let data = |d: &str| {
        format!(
            r#"{{"stream-name":"movies-local-events","Data":{{"userId":"429","itemId":"185","eventType":"click",{d}}}}}"#
        )
    };
    let huge = events(&format!(r#"{{"eventType":"{}"}}"#, "a".repeat(300 * 1024)));
    let get = |path: &str, status, field| ("GET", path.to_owned(), String::new(), status, field);
    let post =
        |path: &str, body: String, status, field| ("POST", path.to_owned(), body, status, field);
    vec![
        // API Gateway's own answers: no route, wrong method, over its payload limit.
        get("/nope", 403, None),
        ("DELETE", "/recommendations?userId=1".into(), String::new(), 403, None),
        post("/recommendations?userId=1", String::new(), 403, None),
        ("POST", "/events".into(), "x".repeat(11 * 1024 * 1024), 413, None),
        // collect
        post("/events", String::new(), 400, None),
        post("/events", "{".into(), 400, None),
        post("/events", "[]".into(), 400, Some("body")),
        post("/events", "null".into(), 400, Some("body")),
        post("/events", r#"{"sessionId":"s","events":[{"eventType":"a"}]}"#.into(), 400, Some("userId")),
        post("/events", r#"{"userId":7,"sessionId":"s","events":[{"eventType":"a"}]}"#.into(), 400, Some("userId")),
        post("/events", r#"{"userId":"u","events":[{"eventType":"a"}]}"#.into(), 400, Some("sessionId")),
        post("/events", r#"{"userId":"u","sessionId":"s"}"#.into(), 400, Some("events")),
        post("/events", events(""), 400, Some("events")),
        post("/events", events(r#"{"itemId":"1"}"#), 400, Some("events[0].eventType")),
        post("/events", events(r#"{"eventType":"a","sentAt":-5}"#), 400, Some("events[0].sentAt")),
        post("/events", events(r#"{"eventType":"a","eventValue":"x"}"#), 400, Some("events[0].eventValue")),
        post("/events", huge, 413, None),
        post("/data", data(r#""interactions":-1,"dateFrom":"2024-01-01","dateTo":"2024-01-02""#), 400, Some("Data.interactions")),
        post("/data", data(r#""interactions":"ten","dateFrom":"2024-01-01","dateTo":"2024-01-02""#), 400, Some("Data.interactions")),
        post("/data", data(r#""interactions":3,"dateFrom":"01/02/2024","dateTo":"2024-01-02""#), 400, Some("Data.dateFrom")),
        post("/data", data(r#""interactions":3,"dateFrom":"2024-02-01","dateTo":"2024-01-02""#), 400, Some("Data.dateTo")),
        post("/data", r#"{"stream-name":"other","Data":{}}"#.into(), 403, Some("stream-name")),
        // recommend
        get("/recommendations", 400, Some("userId")),
        get("/recommendations?userId=", 400, Some("userId")),
        get(&format!("/recommendations?userId={}", "u".repeat(257)), 400, Some("userId")),
        get("/recommendations?userId=%00x", 400, Some("userId")),
        get("/recommendations?userId=1&userId=2", 400, Some("userId")),
        get("/recommendations?userId=1&numResults=0", 400, Some("numResults")),
        get("/recommendations?userId=1&numResults=99999999999999999999999", 400, Some("numResults")),
        get("/recommendations?userId=1&numResults=ten", 400, Some("numResults")),
        get("/recommendations?userId=1&filter=nope", 400, Some("filter")),
        get("/recommendations?userId=1&filter=comedies&filterValues=%7B", 400, Some("filterValues")),
        get("/recommendations?userId=1&campaignArn=arn:x", 400, Some("campaignArn")),
        get("/getRecommendations?userId=1", 400, Some("campaignArn")),
        get(
            "/getRecommendations?userId=1&campaignArn=arn:aws:personalize:us-east-1:123456789012:campaign/other",
            403,
            Some("campaignArn"),
        ),
    ]
}

async fn replay_bad_input(base: String) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let mut wrong = Vec::new();
    for (method, path, body, status, field) in catalogue() {
        let url = format!("{base}{path}");
        let response = http
            .request(method.parse()?, &url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let got = response.status().as_u16();
        let text = response.text().await?;
        let json: Option<Value> = serde_json::from_str(&text).ok();
        let message = json
            .as_ref()
            .and_then(|j| j.get("message"))
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty());
        let got_field = json
            .as_ref()
            .and_then(|j| j.get("field"))
            .and_then(Value::as_str);
        let shown = format!("{method} {}", &path[..path.len().min(80)]);
        if got != status || message.is_none() || (field.is_some() && got_field != field) {
            wrong.push(format!(
                "{shown}: expected {status} {field:?}, got {got} {}",
                &text[..text.len().min(200)]
            ));
        }
        if !(400..500).contains(&got) {
            wrong.push(format!("{shown}: {got} is not a 4xx"));
        }
    }
    anyhow::ensure!(
        wrong.is_empty(),
        "bad input answered wrongly:\n{}",
        wrong.join("\n")
    );
    Ok(())
}

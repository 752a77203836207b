//! The demo path end to end, non-interactively: moto, personalize-local (instant clock),
//! `terraform apply` of examples/local with the provider, the local stack with the real
//! Lambda handlers behind its authorizer, the walkthrough over HTTP, teardown. Then, against
//! the live stack, the Lambdas' bad-input catalogue replayed over real HTTP through the API
//! Gateway stand-in, and the authorization catalogue: bad tokens refused by the authorizer,
//! and a token for one user unable to read or write another's data.
//!
//! Needs the workspace binaries (`cargo xtask test` builds them first).

use std::time::Duration;

use devenv::{paths, terraform};
use futures::FutureExt;
use local_stack::authorizer::Authorizer;
use local_stack::demo::{self, DemoOptions, LiveStack};
use serde_json::Value;

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
        domain: false,
        live_check: Some(Box::new(|live| {
            async move {
                replay_bad_input(&live).await?;
                replay_authorization(&live).await
            }
            .boxed()
        })),
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
    assert!(
        report.authorization_header.starts_with("Authorization: ey"),
        "{}",
        report.authorization_header
    );
}

/// The VIDEO_ON_DEMAND variant (`cargo xtask demo --domain`): the same walkthrough through
/// the recommenders the personalize module builds for a domain dataset group, user 429's top
/// picks changing after three Click events on item 185, the item-to-item routes answering
/// through the local stack; then, live, their bad input and identity rules over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_domain_walkthrough_changes_429s_top_picks_through_recommenders() {
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
        domain: true,
        live_check: Some(Box::new(|live| replay_domain_routes(live).boxed())),
    })
    .await
    .unwrap();

    assert!(report.domain);
    assert_eq!(report.before.len(), 10, "{report:?}");
    assert_eq!(report.after.len(), 10, "{report:?}");
    assert_ne!(
        report.before, report.after,
        "the clicks changed no top pick"
    );
    for list in [&report.because_you_watched, &report.more_like] {
        assert_eq!(list.len(), 10, "{report:?}");
        assert!(
            !list.iter().any(|i| i == "185"),
            "item 185 recommended for itself: {list:?}"
        );
    }
    assert_ne!(report.because_you_watched, report.more_like, "{report:?}");
    assert_eq!(report.events_sent, 3);
    assert_eq!(report.events_archived, report.events_sent, "{report:?}");
    assert_eq!(report.dlq_messages, 0);
    assert!(
        report.leftovers.is_empty(),
        "left after destroy: {:?}",
        report.leftovers
    );
}

/// The domain stack's routes over real HTTP: recommenders in the configuration, not a
/// campaign; each item route's bad input a 4xx naming the field, an unconfigured use case and
/// the campaign-only route 404s, another user's recommendations a 403.
async fn replay_domain_routes(live: LiveStack) -> anyhow::Result<()> {
    anyhow::ensure!(live.config.campaign_arn.is_none(), "{:?}", live.config);
    let mut use_cases: Vec<&str> = live
        .config
        .recommender_arns
        .keys()
        .map(String::as_str)
        .collect();
    use_cases.sort_unstable();
    anyhow::ensure!(
        use_cases == ["because-you-watched-x", "more-like-x", "top-picks"],
        "{use_cases:?}"
    );
    let http = reqwest::Client::new();
    let token = live.authorizer.issue("429", now(), 300)?;
    let cases: Vec<(&str, u16, Option<&str>, &str)> = vec![
        (
            "/recommendations/more-like",
            400,
            Some("itemId"),
            "is required",
        ),
        (
            "/recommendations/because-you-watched?itemId=",
            400,
            Some("itemId"),
            "",
        ),
        (
            "/recommendations/more-like?itemId=185&numResults=501",
            400,
            Some("numResults"),
            "",
        ),
        (
            "/recommendations/more-like?itemId=185&context=%7B%7D",
            400,
            Some("context"),
            "unknown query parameter",
        ),
        (
            "/recommendations/because-you-watched?itemId=185&userId=1",
            403,
            Some("userId"),
            "",
        ),
        (
            "/recommendations/also-viewed?itemId=185",
            404,
            None,
            "customers-who-viewed-x-also-viewed",
        ),
        (
            "/recommendations/bought-together?itemId=185",
            404,
            None,
            "frequently-bought-together",
        ),
        (
            "/getRecommendations?campaignArn=arn:aws:personalize:us-east-1:123456789012:campaign/c",
            404,
            None,
            "CAMPAIGN_ARN is not set",
        ),
        (
            "/recommendations/because-you-watched?itemId=185&numResults=3",
            200,
            None,
            "",
        ),
    ];
    let mut wrong = Vec::new();
    for (path, status, field, message) in cases {
        let response = http
            .get(format!("{}{path}", live.base_url))
            .header("authorization", &token)
            .send()
            .await?;
        let got = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        let ok = got == status
            && (status == 200
                || (answer.get("field").and_then(Value::as_str) == field
                    && answer["message"]
                        .as_str()
                        .is_some_and(|m| m.contains(message))));
        if status == 200 && answer["itemList"].as_array().map(Vec::len) != Some(3) {
            wrong.push(format!("GET {path}: {answer}"));
        }
        if !ok {
            wrong.push(format!(
                "GET {path}: expected {status} {field:?} {message:?}, got {got} {answer}"
            ));
        }
    }
    anyhow::ensure!(
        wrong.is_empty(),
        "the domain routes answered wrongly:\n{}",
        wrong.join("\n")
    );
    Ok(())
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
        // recommend (as user 1)
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

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The bad-input catalogue, each request with a valid token for the user it names (`u` on
/// `/events`, 429 on `/data`, 1 on the recommendation routes).
async fn replay_bad_input(live: &LiveStack) -> anyhow::Result<()> {
    let base = &live.base_url;
    let http = reqwest::Client::new();
    let mut wrong = Vec::new();
    for (method, path, body, status, field) in catalogue() {
        let url = format!("{base}{path}");
        let user = if path.starts_with("/events") {
            "u"
        } else if path.starts_with("/data") {
            "429"
        } else {
            "1"
        };
        let response = http
            .request(method.parse()?, &url)
            .header("content-type", "application/json")
            .header("authorization", live.authorizer.issue(user, now(), 300)?)
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

/// Bad tokens are 401s from the authorizer naming the reason (the function never runs), and a
/// good token for user A reads and writes A's data only: B's are 403s from the functions.
async fn replay_authorization(live: &LiveStack) -> anyhow::Result<()> {
    let base = &live.base_url;
    let pool = &live.authorizer;
    let http = reqwest::Client::new();
    let b64 = |v: serde_json::Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let claims = serde_json::json!({"sub": "a", "iss": pool.issuer, "aud": pool.audience,
        "token_use": "id", "exp": now() + 300});
    let with = |key: &str, value: serde_json::Value| {
        let mut c = claims.clone();
        c[key] = value;
        pool.sign(&c)
    };
    let foreign = Authorizer::new(vec![9; 32], "us-east-1", "movies-local")?;
    let tokens: Vec<(&str, Option<String>, &str)> = vec![
        ("missing", None, "missing"),
        ("malformed", Some("not.a-token".into()), "not a JWT"),
        (
            "expired",
            Some(pool.issue("a", now() - 3600, 60)?),
            "expired",
        ),
        (
            "wrong signature",
            Some(foreign.issue("a", now(), 300)?),
            "signature",
        ),
        (
            "wrong audience",
            Some(with("aud", "another-client".into())?),
            "another app client",
        ),
        (
            "wrong issuer",
            Some(with("iss", "https://issuer.example".into())?),
            "another issuer",
        ),
        (
            "alg none",
            Some(format!(
                "{}.{}.",
                b64(serde_json::json!({"alg": "none"})),
                b64(claims.clone())
            )),
            "\"none\"",
        ),
        ("oversized", Some("e".repeat(9000)), "more than the 8192"),
    ];
    let mut wrong = Vec::new();
    for (what, token, expected) in tokens {
        for (method, path, body) in [
            ("GET", "/recommendations?userId=a", ""),
            (
                "POST",
                "/events",
                r#"{"sessionId":"s","events":[{"eventType":"click"}]}"#,
            ),
        ] {
            let mut request = http
                .request(method.parse()?, format!("{base}{path}"))
                .header("content-type", "application/json")
                .body(body);
            if let Some(token) = &token {
                request = request.header("authorization", token);
            }
            let response = request.send().await?;
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            let message = answer["message"].as_str().unwrap_or_default();
            if status != 401 || answer["field"] != "Authorization" || !message.contains(expected) {
                wrong.push(format!("{what} on {method} {path}: {status} {answer}"));
            }
        }
    }
    // User a's token against user b's data, on every route; then a's own.
    let a = pool.issue("a", now(), 300)?;
    let own = http
        .get(format!("{base}/recommendations"))
        .header("authorization", &a)
        .send()
        .await?;
    if own.status() != 200 {
        wrong.push(format!(
            "a reading its own recommendations: {}",
            own.status()
        ));
    }
    let seed_path = format!(
        "/getRecommendations?userId=b&campaignArn={}",
        live.config.campaign_arn.as_deref().unwrap_or_default()
    );
    let cross: Vec<(&str, &str, String, &str)> = vec![
        ("GET", "/recommendations?userId=b", String::new(), "userId"),
        (
            "GET",
            &seed_path,
            String::new(),
            "userId",
        ),
        (
            "POST",
            "/events",
            r#"{"userId":"b","sessionId":"s","events":[{"eventType":"click"}]}"#.into(),
            "userId",
        ),
        (
            "POST",
            "/data",
            r#"{"Data":{"userId":"b","interactions":1,"itemId":"185","eventType":"click","dateFrom":"2026-01-01","dateTo":"2099-01-01"}}"#.into(),
            "Data.userId",
        ),
    ];
    for (method, path, body, field) in cross {
        let response = http
            .request(method.parse()?, format!("{base}{path}"))
            .header("content-type", "application/json")
            .header("authorization", &a)
            .body(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !(status == 403 && answer["field"] == field) {
            wrong.push(format!(
                "a acting for b on {method} {path}: {status} {answer}"
            ));
        }
    }
    anyhow::ensure!(
        wrong.is_empty(),
        "authorization answered wrongly:\n{}",
        wrong.join("\n")
    );
    Ok(())
}

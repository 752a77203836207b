//! Reliability: injected faults store nothing, and retried events arrive exactly once in
//! training terms thanks to the eventId deduplication; a repeat still reaches the real-time
//! path, as the PutEvents reference describes `eventId` ("Any subsequent events after the first
//! with the same event ID are not used in model training").

mod common;

use aws_sdk_personalizeevents::types::Event;
use common::*;
use personalize_local::data::training;
use personalize_local::state::LogEntry;
use personalize_local::{AppState, FaultKind, Faults};

/// The training events' dedup keys of `group`, in log order.
fn events_in(server: &AppState, group: &str) -> Vec<String> {
    let inner = server.state.read();
    inner
        .logs
        .get(group)
        .map(|l| {
            l.entries
                .iter()
                .filter_map(|(_, e)| match e {
                    LogEntry::Event { dedup, .. } => dedup.clone(),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn event(id: &str) -> Event {
    watch().event_id(id).item_id("i3").build().unwrap()
}

/// Sends `events` until acknowledged; returns how many attempts failed (all with the injected
/// 500).
async fn send_until_ok(c: &Clients, tracking_id: &str, events: &[Event]) -> u32 {
    let mut failures = 0;
    loop {
        let sent = c
            .events
            .put_events()
            .tracking_id(tracking_id)
            .user_id("u1")
            .session_id("s")
            .set_event_list(Some(events.to_vec()))
            .send()
            .await;
        match sent {
            Ok(_) => return failures,
            Err(e) => {
                let status = e.raw_response().map(|r| r.status().as_u16());
                assert_eq!(status, Some(500), "{e:?}");
                failures += 1;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_events_arrive_exactly_once_under_faults() {
    let root = data_root();
    let mut config = instant_config(root.path());
    config.faults = Faults {
        put_events: 0.5,
        get_recommendations: 0.5,
        kind: FaultKind::Internal,
        seed: 7,
    };
    let (server, endpoint) = serve(config).await;
    let c = Clients::without_retries(&endpoint);
    let chain = build_chain(&c, "faults").await;
    let mut failures = 0;
    for batch in 0..20 {
        let events: Vec<Event> = (0..5).map(|k| event(&format!("e{batch}-{k}"))).collect();
        // Each batch is retried until acknowledged, so some events reach the server twice.
        failures += send_until_ok(&c, &chain.tracking_id, &events).await;
        // A retry of an acknowledged batch changes nothing.
        if batch % 4 == 0 {
            failures += send_until_ok(&c, &chain.tracking_id, &events).await;
        }
    }
    assert!(failures > 0, "a share of 0.5 must fail some calls");
    let mut stored = events_in(&server, &chain.group);
    assert_eq!(stored.len(), 100, "every event exactly once");
    stored.sort();
    stored.dedup();
    assert_eq!(stored.len(), 100);
    // The five batches sent again after their acknowledgement are kept as repeats.
    assert_eq!(repeats_in(&server, &chain.group), 25);

    let mut served = 0;
    let mut refused = 0;
    for _ in 0..20 {
        match c
            .runtime
            .get_recommendations()
            .campaign_arn(&chain.campaign)
            .user_id("u1")
            .send()
            .await
        {
            Ok(_) => served += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(
        served > 0 && refused > 0,
        "served {served}, refused {refused}"
    );
}

fn repeats_in(server: &AppState, group: &str) -> usize {
    let inner = server.state.read();
    inner.logs.get(group).map_or(0, |l| {
        l.entries
            .iter()
            .filter(|(_, e)| matches!(e, LogEntry::Repeat { .. }))
            .count()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_event_id_reaches_real_time_but_not_training() {
    let root = data_root();
    let (server, endpoint) = serve(instant_config(root.path())).await;
    let c = Clients::without_retries(&endpoint);
    let chain = build_chain(&c, "repeats").await;
    let trained = |server: &AppState| {
        let inner = server.state.read();
        training::gather(&*inner, &chain.group, u64::MAX)
            .interactions
            .iter()
            .filter(|i| i.user_id == "u1")
            .count()
    };
    let before = trained(&server);
    // The same eventId twice in one call, then again in a second call.
    let first = [event("r-1"), event("r-1")];
    assert_eq!(send_until_ok(&c, &chain.tracking_id, &first).await, 0);
    assert_eq!(
        send_until_ok(&c, &chain.tracking_id, &[event("r-1")]).await,
        0
    );
    assert_eq!(trained(&server), before + 1, "training sees the first only");
    assert_eq!(repeats_in(&server, &chain.group), 2);
    let inner = server.state.read();
    let realtime = inner.logs[&chain.group].user_events_after("u1", 0);
    assert_eq!(realtime.len(), 3, "the real-time path sees every delivery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_call_stores_nothing() {
    let root = data_root();
    let mut config = instant_config(root.path());
    config.faults = Faults {
        put_events: 1.0,
        kind: FaultKind::Throttling,
        ..Faults::default()
    };
    let (server, endpoint) = serve(config).await;
    let c = Clients::without_retries(&endpoint);
    let chain = build_chain(&c, "throttled").await;
    let err = c
        .events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .session_id("s")
        .event_list(event("only"))
        .send()
        .await
        .unwrap_err();
    let raw = err.raw_response().unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    assert_eq!(
        raw.headers().get("x-amzn-errortype"),
        Some("ThrottlingException")
    );
    assert!(events_in(&server, &chain.group).is_empty());
    // Recommendations are not affected by the PutEvents share.
    assert_eq!(recommend(&c, &chain.campaign, "u1", 3).await.len(), 3);
}

/// A PutEvents whose commit to the state directory fails is answered 500 and leaves nothing
/// behind: not in memory, not as a seen eventId. So the client's retry (the PutEvents docs:
/// "Amazon Personalize uses the eventId to distinguish unique events", so a retry carries the
/// same id) is stored, once, and survives a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_is_not_acknowledged_and_its_retry_is_kept() {
    let root = data_root();
    let state_dir = tempfile::tempdir().unwrap();
    let mut config = instant_config(root.path());
    config.state_dir = Some(state_dir.path().to_path_buf());
    let (server, endpoint) = serve(config).await;
    let c = Clients::without_retries(&endpoint);
    let chain = build_chain(&c, "commit").await;
    server.state.store().unwrap().fail_next_commits(1);
    let events = [event("e1"), event("e2")];
    let put = || {
        c.events
            .put_events()
            .tracking_id(&chain.tracking_id)
            .user_id("u1")
            .session_id("s")
            .set_event_list(Some(events.to_vec()))
            .send()
    };
    let err = put().await.unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    // Nothing of the failed call is visible: no entry at all, so no eventId counts as seen.
    assert!(!server.state.read().logs.contains_key(&chain.group));
    put().await.unwrap();
    let t = &chain.tracking_id;
    let first_time = [format!("{t}/e1"), format!("{t}/e2")];
    assert_eq!(events_in(&server, &chain.group), first_time);
    // What was acknowledged is in the database (a committed read, as a restart loads it), as
    // first-time events, not as repeats of events that were never stored.
    let stored = server.state.store().unwrap().load().unwrap();
    let entries = &stored.logs[&chain.group].entries;
    assert_eq!(entries.len(), 2);
    assert!(entries
        .iter()
        .all(|(_, e)| matches!(e, LogEntry::Event { .. })));
}

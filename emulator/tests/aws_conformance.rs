//! Behaviours AWS documents that an audit of the emulator found missing (issue 13), each
//! checked through the real aws-sdk-personalize clients and citing the AWS page it follows.

mod common;

use aws_sdk_personalize::types::{
    EventParameters, EventsConfig, SolutionConfig, SolutionUpdateConfig,
};
use common::*;

/// API_ListCampaigns: "Returns a list of campaigns that use the given solution." A campaign
/// names a solution version, so filtering on the campaign's own `solutionArn` member (which
/// it does not have) answered nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_campaigns_by_solution_lists_the_campaigns_of_its_versions() {
    let f = Fixture::start("listc").await;
    let (p, chain) = (&f.c.control, &f.chain);
    let (other, other_version) = trained_version(
        p,
        &chain.group,
        "listc-other",
        "arn:aws:personalize:::recipe/aws-popularity-count",
    )
    .await;
    let other_campaign = p
        .create_campaign()
        .name("listc-other")
        .solution_version_arn(&other_version)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let listed = |solution: Option<String>| async move {
        let mut arns: Vec<String> = p
            .list_campaigns()
            .set_solution_arn(solution)
            .send()
            .await
            .unwrap()
            .campaigns
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.campaign_arn.unwrap())
            .collect();
        arns.sort();
        arns
    };
    assert_eq!(
        listed(Some(chain.solution.clone())).await,
        [chain.campaign.as_str()]
    );
    assert_eq!(listed(Some(other.clone())).await, [other_campaign.as_str()]);
    let mut all = vec![chain.campaign.clone(), other_campaign];
    all.sort();
    assert_eq!(listed(None).await, all);
    // A solution whose name extends another's is not its parent.
    assert!(listed(Some(format!("{}x", chain.solution)))
        .await
        .is_empty());
}

/// API_ListSchemas / every List: `nextToken` continues the listing it came from. A schema
/// created between two pages neither repeats nor hides one, and a token is refused by a call
/// with another filter (InvalidNextTokenException, as the List operations document).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_tokens_are_stable_cursors_bound_to_the_filter() {
    let f = Fixture::start("pages").await;
    let (p, chain) = (&f.c.control, &f.chain);
    // The fixture made two schemas; three more make five.
    for i in 0..3 {
        p.create_schema()
            .name(format!("pages-s{i}"))
            .schema(INTERACTIONS_SCHEMA)
            .send()
            .await
            .unwrap();
    }
    let first = p.list_schemas().max_results(2).send().await.unwrap();
    let mut names: Vec<String> = first
        .schemas
        .unwrap()
        .into_iter()
        .map(|s| s.name.unwrap())
        .collect();
    // Created between pages: newest first, so an offset would repeat the second name.
    p.create_schema()
        .name("pages-late")
        .schema(INTERACTIONS_SCHEMA)
        .send()
        .await
        .unwrap();
    let mut token = first.next_token;
    while let Some(t) = token {
        let page = p
            .list_schemas()
            .max_results(2)
            .next_token(t)
            .send()
            .await
            .unwrap();
        names.extend(page.schemas.unwrap().into_iter().map(|s| s.name.unwrap()));
        token = page.next_token;
    }
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "a name repeated: {names:?}");
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(!names.contains(&"pages-late".to_owned()));

    // A token of one dataset group's datasets does not page another filter.
    let page = p
        .list_datasets()
        .dataset_group_arn(&chain.group)
        .max_results(1)
        .send()
        .await
        .unwrap();
    let token = page.next_token.expect("two datasets, one a page");
    let err = p
        .list_datasets()
        .max_results(1)
        .next_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_invalid_next_token_exception(),
        "{err:?}"
    );
    let next = p
        .list_datasets()
        .dataset_group_arn(&chain.group)
        .max_results(1)
        .next_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(next.datasets.unwrap().len(), 1);
}

/// API_SolutionVersion: a version carries "the configuration properties for the solution" it
/// was trained with. GetSolutionMetrics of an older version must not change when
/// UpdateSolution changes the solution's eventsConfig afterwards (here to an event type the
/// data does not have: evaluating with the live config finds nothing to evaluate).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_keeps_the_config_it_was_trained_with() {
    let f = Fixture::start("snap").await;
    let (p, chain) = (&f.c.control, &f.chain);
    let only = |t: &str| {
        EventsConfig::builder()
            .event_parameters_list(EventParameters::builder().event_type(t).weight(1.0).build())
            .build()
    };
    let solution = p
        .create_solution()
        .name("snap-v2")
        .dataset_group_arn(&chain.group)
        .recipe_arn("arn:aws:personalize:::recipe/aws-user-personalization-v2")
        .solution_config(
            SolutionConfig::builder()
                .events_config(only("watch"))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .solution_arn
        .unwrap();
    let version = p
        .create_solution_version()
        .solution_arn(&solution)
        .send()
        .await
        .unwrap()
        .solution_version_arn
        .unwrap();
    p.update_solution()
        .solution_arn(&solution)
        .solution_update_config(
            SolutionUpdateConfig::builder()
                .events_config(only("purchase"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let metrics = p
        .get_solution_metrics()
        .solution_version_arn(&version)
        .send()
        .await
        .unwrap()
        .metrics
        .unwrap();
    assert!(metrics["precision_at_25"] > 0.0, "{metrics:?}");
    let described = p
        .describe_solution_version()
        .solution_version_arn(&version)
        .send()
        .await
        .unwrap()
        .solution_version
        .unwrap();
    let kept: Vec<&str> = described
        .solution_config()
        .and_then(|c| c.events_config())
        .map(|e| {
            e.event_parameters_list()
                .iter()
                .filter_map(|p| p.event_type())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(kept, ["watch"]);
}

/// "Amazon Personalize doesn't show scores for domain recommenders or the Similar-Items, SIMS
/// or Popularity-Count recipes" (developer guide, How recommendation scoring works): their
/// items come without `score`, while User-Personalization's carry one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sims_and_popularity_count_recommend_without_scores() {
    let f = Fixture::start("unscored").await;
    let (c, chain) = (&f.c, &f.chain);
    let scores = |items: Vec<aws_sdk_personalizeruntime::types::PredictedItem>| {
        items.iter().map(|i| i.score).collect::<Vec<_>>()
    };
    for (recipe, item) in [("aws-popularity-count", None), ("aws-sims", Some("i3"))] {
        let (_, version) = trained_version(
            &c.control,
            &chain.group,
            &format!("unscored-{recipe}"),
            &format!("arn:aws:personalize:::recipe/{recipe}"),
        )
        .await;
        let campaign = c
            .control
            .create_campaign()
            .name(format!("unscored-{recipe}"))
            .solution_version_arn(&version)
            .send()
            .await
            .unwrap()
            .campaign_arn
            .unwrap();
        let items = c
            .runtime
            .get_recommendations()
            .campaign_arn(&campaign)
            .user_id("u1")
            .set_item_id(item.map(str::to_owned))
            .num_results(5)
            .send()
            .await
            .unwrap()
            .item_list
            .unwrap();
        assert_eq!(items.len(), 5, "{recipe}");
        assert!(scores(items).iter().all(Option::is_none), "{recipe}");
    }
    let scored = recommend(c, &chain.campaign, "u1", 5).await;
    assert!(scored.iter().all(|(_, s)| *s > 0.0));
}

/// API_UBS_Event leaves `itemId` optional: "other than movie ID (itemId) and rating
/// (eventValue), you might also send..." in `properties`, and the developer guide's "Recording
/// multiple item interaction events with event value data" sends both there. Such an event
/// trains and reaches the real-time path as if they were members; an event that names no
/// item anywhere is refused (the Item interactions dataset's ITEM_ID is required).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_may_carry_its_item_and_value_in_properties() {
    use aws_sdk_personalizeevents::types::Event;
    use personalize_local::data::training;
    let f = Fixture::start("propitem").await;
    let (c, chain, server) = (&f.c, &f.chain, f.server());
    let event = |properties: &str| watch().properties(properties).build().unwrap();
    let put = |e: Event| {
        c.events
            .put_events()
            .tracking_id(&chain.tracking_id)
            .user_id("props-user")
            .session_id("props-session")
            .event_list(e)
            .send()
    };
    put(event(r#"{"itemId": "i7", "eventValue": 4}"#))
        .await
        .unwrap();
    let err = put(event(r#"{"eventValue": 4}"#)).await.unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_invalid_input_exception(), "{err:?}");
    assert!(format!("{err:?}").contains("names no item"), "{err:?}");

    let inner = server.state.read();
    let trained: Vec<_> = training::gather(&*inner, &chain.group, u64::MAX)
        .interactions
        .into_iter()
        .filter(|i| i.user_id == "props-user")
        .collect();
    assert_eq!(trained.len(), 1, "the refused event stored nothing");
    assert_eq!(trained[0].item_id, "i7");
    assert_eq!(trained[0].event_value, Some(4.0));
    assert!(
        trained[0].attributes.is_empty(),
        "{:?}",
        trained[0].attributes
    );
    let realtime = inner.logs[&chain.group].user_events_after("props-user", 0);
    assert_eq!(realtime.len(), 1);
    assert_eq!(realtime[0].item_id, "i7");
}

/// `properties` of PutEvents, PutItems and PutUsers: "The keys use camel case names that match
/// the fields in the ... dataset's schema" (API_UBS_Event, API_UBS_Item, API_UBS_User), checked
/// by one checker for the three: an unknown field, a wrong type, a reserved key (Event:
/// "userId, sessionId, eventType, timestamp, recommendationId, impression" can't be keys), a
/// categorical value over 1,000 characters (Items and Users dataset requirements) and a
/// nested value are InvalidInputException; a string over the model's length is
/// ValidationException; no properties at all is fine. Before, PutEvents silently dropped
/// unknown keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn properties_are_checked_alike_for_events_items_and_users() {
    use aws_sdk_personalizeevents::error::ProvideErrorMetadata;
    use aws_sdk_personalizeevents::types::{Item, User};
    let f = Fixture::start("props").await;
    let (c, chain) = (&f.c, &f.chain);
    let users_schema = r#"{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"GENRE","type":"string","categorical":true}],"version":"1.0"}"#;
    let (_, users) = dataset(
        &c.control,
        &chain.group,
        "props-users",
        "Users",
        users_schema,
    )
    .await;
    // Every call's answer: None when stored, else the error code.
    let users = users.as_str();
    let put = move |op: &'static str, properties: Option<String>| async move {
        let sent = match op {
            "PutEvents" => c
                .events
                .put_events()
                .tracking_id(&chain.tracking_id)
                .user_id("props-u")
                .session_id("props-s")
                .event_list(
                    watch()
                        .item_id("i1")
                        .set_properties(properties)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .map(drop)
                .map_err(|e| e.into_service_error().code().map(str::to_owned)),
            "PutItems" => c
                .events
                .put_items()
                .dataset_arn(&chain.items)
                .items(
                    Item::builder()
                        .item_id("props-i")
                        .set_properties(properties)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .map(drop)
                .map_err(|e| e.into_service_error().code().map(str::to_owned)),
            _ => c
                .events
                .put_users()
                .dataset_arn(users)
                .users(
                    User::builder()
                        .user_id("props-u")
                        .set_properties(properties)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .map(drop)
                .map_err(|e| e.into_service_error().code().map(str::to_owned)),
        };
        sent.err().map(|code| code.unwrap_or_default())
    };
    let invalid = Some("InvalidInputException".to_owned());
    let validation = Some("ValidationException".to_owned());
    for (op, good, reserved, max) in [
        ("PutEvents", None, r#"{"timestamp": 1}"#, 1024),
        (
            "PutItems",
            Some(r#"{"genre": "Comedy"}"#),
            r#"{"itemId": "other"}"#,
            32_000,
        ),
        (
            "PutUsers",
            Some(r#"{"genre": "student|monthly"}"#),
            r#"{"userId": "other"}"#,
            24_000,
        ),
    ] {
        let cases = [
            // Missing: no properties at all.
            (None, None),
            (good.map(str::to_owned), None),
            // Malformed.
            (Some("not json".to_owned()), invalid.clone()),
            (Some("[1, 2]".to_owned()), invalid.clone()),
            (Some(r#"{"colour": "red"}"#.to_owned()), invalid.clone()),
            // Hostile.
            (Some(reserved.to_owned()), invalid.clone()),
            (Some(r#"{"genre": {"$ne": 1}}"#.to_owned()), invalid.clone()),
            (
                Some(format!("{}1{}", "[".repeat(200), "]".repeat(200))),
                invalid.clone(),
            ),
            (
                Some(r#"{"genre": "a", "GENRE": "b"}"#.to_owned()),
                invalid.clone(),
            ),
            // Oversized: a categorical value, then the whole string.
            (
                Some(format!(r#"{{"genre": "{}"}}"#, "g".repeat(1001))),
                invalid.clone(),
            ),
            (
                Some(format!(r#"{{"genre": "{}"}}"#, "g".repeat(max))),
                validation.clone(),
            ),
        ];
        for (properties, want) in cases {
            // The Interactions schema has no GENRE: an event refuses it as unknown.
            let want = match (&properties, op) {
                (Some(p), "PutEvents") if p.contains("genre") && want.is_none() => invalid.clone(),
                _ => want,
            };
            let shown = properties.as_deref().map(|p| &p[..p.len().min(60)]);
            assert_eq!(put(op, properties.clone()).await, want, "{op} {shown:?}");
        }
    }
}

/// Resources are regional: an ARN carries "The Region that the resource resides in" (AWS
/// General Reference, Amazon Resource Names) and each region's endpoint serves its own
/// resources (Amazon Personalize endpoints and quotas). One server, two SDK clients signing for
/// eu-west-1 and us-east-1: neither sees, lists, serves nor records into the other's resources,
/// and the same names live side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_are_isolated_by_region() {
    let f = Fixture::start("regions").await;
    let (eu, chain) = (&f.c, &f.chain);
    let us = &Clients::in_region(f.endpoint(), "us-east-1");
    assert!(
        chain.group.starts_with("arn:aws:personalize:eu-west-1:"),
        "{}",
        chain.group
    );
    assert!(chain.campaign.contains(":eu-west-1:"), "{}", chain.campaign);

    let not_found = |code: Option<&str>| assert_eq!(code, Some("ResourceNotFoundException"));
    use aws_sdk_personalize::error::ProvideErrorMetadata;
    let groups = |c: &Clients| {
        let control = c.control.clone();
        async move {
            control
                .list_dataset_groups()
                .send()
                .await
                .unwrap()
                .dataset_groups
                .unwrap_or_default()
                .into_iter()
                .map(|g| g.dataset_group_arn.unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert!(groups(us).await.is_empty());
    let e = us
        .control
        .describe_dataset_group()
        .dataset_group_arn(&chain.group)
        .send()
        .await
        .unwrap_err();
    not_found(e.code());
    let e = us
        .control
        .list_tags_for_resource()
        .resource_arn(&chain.campaign)
        .send()
        .await
        .unwrap_err();
    not_found(e.code());
    let e = us
        .control
        .delete_campaign()
        .campaign_arn(&chain.campaign)
        .send()
        .await
        .unwrap_err();
    not_found(e.code());
    let listed = us
        .control
        .list_datasets()
        .dataset_group_arn(&chain.group)
        .send()
        .await
        .unwrap();
    assert!(listed.datasets.unwrap_or_default().is_empty());
    let e = us
        .runtime
        .get_recommendations()
        .campaign_arn(&chain.campaign)
        .user_id("u1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_personalizeruntime::error::ProvideErrorMetadata::code(&e),
        Some("ResourceNotFoundException")
    );
    let event = watch().item_id("i1").build().unwrap();
    let e = us
        .events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .session_id("s")
        .user_id("u1")
        .event_list(event.clone())
        .send()
        .await
        .unwrap_err();
    assert!(
        e.into_service_error().is_invalid_input_exception(),
        "a tracking id of another region is unknown"
    );
    let e = us
        .events
        .put_items()
        .dataset_arn(&chain.items)
        .items(
            aws_sdk_personalizeevents::types::Item::builder()
                .item_id("x")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_resource_not_found_exception());

    // The same name in the other region is another resource.
    let us_group = us
        .control
        .create_dataset_group()
        .name("regions")
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    assert_eq!(us_group, chain.group.replace(":eu-west-1:", ":us-east-1:"));
    assert_eq!(groups(us).await, [us_group.as_str()]);
    assert_eq!(groups(eu).await, [chain.group.as_str()]);
    // The home region still works as before.
    eu.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .session_id("s")
        .user_id("u1")
        .event_list(event)
        .send()
        .await
        .unwrap();
    assert!(!recommend(eu, &chain.campaign, "u1", 5).await.is_empty());
}

/// PutActions is an operation of personalize-events (API_UBS_PutActions): the SDK's call
/// reaches it, and a dataset that does not exist is its typed ResourceNotFoundException, not
/// an UnknownOperationException the SDK cannot type. (The Actions flows are `actions.rs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_operations_answer_a_typed_error() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let err = c
        .events
        .put_actions()
        .dataset_arn("arn:aws:personalize:eu-west-1:123456789012:dataset/g/ACTIONS")
        .actions(
            aws_sdk_personalizeevents::types::Action::builder()
                .action_id("a1")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert!(format!("{err:?}").contains("dataset/g/ACTIONS"), "{err:?}");
}

/// Developer guide, Recording events for anonymous users: events with only a `sessionId` serve
/// that session in real time ("specify the sessionId as the userId" of GetRecommendations) and
/// are not trained on "until you associate them with a userId"; once an event carries both,
/// the next training "associates the userId with the anonymous user history tracked to the
/// original sessionId".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_events_are_stitched_to_the_user_once_linked() {
    use personalize_local::data::training;
    let f = Fixture::start("anon").await;
    let (c, chain, server) = (&f.c, &f.chain, f.server());
    let event = |item: &str| watch().item_id(item).build().unwrap();
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .session_id("anon-s")
        .event_list(event("i5"))
        .event_list(event("i6"))
        .send()
        .await
        .unwrap();
    let trained_items = |user: &str| {
        let inner = server.state.read();
        let mut items: Vec<String> = training::gather(&*inner, &chain.group, u64::MAX)
            .interactions
            .into_iter()
            .filter(|i| i.user_id == user)
            .map(|i| i.item_id)
            .collect();
        items.sort();
        items
    };
    assert!(
        trained_items("anon-s").is_empty(),
        "not trained on while anonymous"
    );
    assert_eq!(
        server.state.read().logs[&chain.group]
            .user_events_after("anon-s", 0)
            .len(),
        2,
        "the session's real-time events"
    );
    assert!(!recommend(c, &chain.campaign, "anon-s", 5).await.is_empty());

    // The user logs in: one event with both ids links the session.
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .session_id("anon-s")
        .user_id("anon-u")
        .event_list(event("i7"))
        .send()
        .await
        .unwrap();
    assert_eq!(trained_items("anon-u"), ["i5", "i6", "i7"]);
    assert!(trained_items("anon-s").is_empty());
}

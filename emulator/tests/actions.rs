//! Next-Best-Action through the real SDKs: Actions and Action interactions datasets (schemas,
//! imports, the action interaction tracker), PutActions and PutActionInteractions, the
//! aws-next-best-action recipe trained on action interactions, and GetActionRecommendations
//! with real scores, expiration, repeat frequency, new actions and filters; then the bad input
//! of each, and a model that survives a restart.

mod common;

use aws_sdk_personalizeevents::types::{Action, ActionInteraction};
use common::*;
use personalize_local::testing::TestServer;
use personalize_local::Config;

const NBA: &str = "arn:aws:personalize:::recipe/aws-next-best-action";
const ACTIONS_SCHEMA: &str = r#"{"type":"record","name":"Actions","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"ACTION_ID","type":"string"},{"name":"VALUE","type":["null","long"]},{"name":"MEMBERSHIP_LEVEL","type":["null","string"],"categorical":true},{"name":"EXPIRATION_TIMESTAMP","type":["null","long"]},{"name":"REPEAT_FREQUENCY","type":["null","long"]}],"version":"1.0"}"#;
const ACTION_INTERACTIONS_SCHEMA: &str = r#"{"type":"record","name":"ActionInteractions","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"ACTION_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"},{"name":"CHANNEL","type":["null","string"],"categorical":true}],"version":"1.0"}"#;

/// enroll (VALUE 5, gold), app (1, silver), card (9, gold), weekly (3, repeat every 7 days),
/// expired (100, expired in 2001).
const ACTIONS_CSV: &str = "ACTION_ID,VALUE,MEMBERSHIP_LEVEL,EXPIRATION_TIMESTAMP,REPEAT_FREQUENCY
enroll,5,gold,,
app,1,silver,,
card,9,gold,4102444800,
weekly,3,silver,,7
expired,100,gold,1000000000,
";

/// Everyone views enroll, app and card; users 0..60 take enroll, 0..40 and 80..100 app,
/// 40..100 card (60 TAKEN, 100 VIEWED each: all three are scored); weekly is taken by
/// 0..60 and viewed by all; a few NOT_TAKEN.
fn action_interactions_csv() -> String {
    let mut out = String::from("USER_ID,ACTION_ID,TIMESTAMP,EVENT_TYPE\n");
    for u in 0..100 {
        let t = 1_700_000_000 + u;
        for a in ["enroll", "app", "card", "weekly"] {
            out.push_str(&format!("u{u},{a},{t},VIEWED\n"));
        }
        let mut take = |a: &str| out.push_str(&format!("u{u},{a},{t},TAKEN\n"));
        if u < 60 {
            take("enroll");
            take("weekly");
        }
        if !(40..80).contains(&u) {
            take("app");
        }
        if u >= 40 {
            take("card");
        }
    }
    out
}

fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("actions.csv"), ACTIONS_CSV).unwrap();
    std::fs::write(
        data.join("action_interactions.csv"),
        action_interactions_csv(),
    )
    .unwrap();
    std::fs::write(
        data.join("bad_interactions.csv"),
        "USER_ID,ACTION_ID,TIMESTAMP,EVENT_TYPE\nu1,enroll,1,TAKEN\nu1,enroll,2,click\n",
    )
    .unwrap();
    dir
}

/// ARNs of the Next-Best-Action chain.
struct Nba {
    group: String,
    actions: String,
    tracking_id: String,
    version: String,
    campaign: String,
}

async fn nba_chain(c: &Clients, name: &str) -> Nba {
    let p = &c.control;
    let group = dataset_group(p, name).await;
    let (_, actions) = dataset(p, &group, &format!("{name}-a"), "ACTIONS", ACTIONS_SCHEMA).await;
    let (_, interactions) = dataset(
        p,
        &group,
        &format!("{name}-ai"),
        "Action_Interactions",
        ACTION_INTERACTIONS_SCHEMA,
    )
    .await;
    assert!(actions.ends_with("/ACTIONS"), "{actions}");
    assert!(
        interactions.ends_with("/ACTION_INTERACTIONS"),
        "{interactions}"
    );
    let described = p
        .describe_dataset()
        .dataset_arn(&interactions)
        .send()
        .await
        .unwrap()
        .dataset
        .unwrap();
    // The action interaction event tracker AWS creates with the dataset.
    let tracking_id = described.tracking_id.expect("a trackingId");
    for (dataset, key) in [
        (&actions, "actions.csv"),
        (&interactions, "action_interactions.csv"),
    ] {
        let job_name = format!("{name}-{}", key.trim_end_matches(".csv").replace('_', "-"));
        imported(p, dataset, &job_name, key).await;
    }
    let (_, version) = trained_version(p, &group, name, NBA).await;
    let campaign = p
        .create_campaign()
        .name(name)
        .solution_version_arn(&version)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    Nba {
        group,
        actions,
        tracking_id,
        version,
        campaign,
    }
}

async fn recommend_actions(
    c: &Clients,
    campaign: &str,
    user: Option<&str>,
    filter: Option<(&str, &str, &str)>,
) -> Vec<(String, f64)> {
    let mut call = c
        .runtime
        .get_action_recommendations()
        .campaign_arn(campaign)
        .set_user_id(user.map(str::to_owned))
        .num_results(10);
    if let Some((arn, key, value)) = filter {
        call = call.filter_arn(arn).filter_values(key, value);
    }
    let out = call.send().await.unwrap();
    assert!(out.recommendation_id.unwrap().starts_with("RID-"));
    out.action_list
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.action_id.unwrap(), a.score.unwrap()))
        .collect()
}

fn ids(list: &[(String, f64)]) -> Vec<&str> {
    list.iter().map(|(id, _)| id.as_str()).collect()
}

fn score(list: &[(String, f64)], id: &str) -> f64 {
    list.iter()
        .find(|(a, _)| a == id)
        .unwrap_or_else(|| panic!("{id} not in {list:?}"))
        .1
}

fn now() -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
}

fn interaction(user: &str, action: &str, event_type: &str) -> ActionInteraction {
    ActionInteraction::builder()
        .action_id(action)
        .user_id(user)
        .session_id("s")
        .timestamp(now())
        .event_type(event_type)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_best_action_trains_on_action_interactions_and_serves_in_real_time() {
    let root = root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;

    // The recipe is listed and described as AWS types it.
    let recipe = p
        .describe_recipe()
        .recipe_arn(NBA)
        .send()
        .await
        .unwrap()
        .recipe
        .unwrap();
    assert_eq!(recipe.recipe_type.as_deref(), Some("PERSONALIZED_ACTIONS"));
    let listed = p.list_recipes().send().await.unwrap().recipes.unwrap();
    assert!(listed.iter().any(|r| r
        .recipe_arn
        .as_deref()
        .is_some_and(|a| a.ends_with("/aws-next-best-action"))));

    let nba = nba_chain(&c, "nba").await;

    // Without a user: the take rates (60 of 160 each for enroll, app, card; weekly 60 of
    // 160 too), equal, so VALUE decides; the expired action never shows.
    let anonymous = recommend_actions(&c, &nba.campaign, None, None).await;
    assert_eq!(ids(&anonymous), ["card", "enroll", "weekly", "app"]);
    for (_, s) in &anonymous {
        assert!((s - 60.0 / 160.0).abs() < 1e-9, "{anonymous:?}");
    }
    // The default numResults is 5.
    let default = c
        .runtime
        .get_action_recommendations()
        .campaign_arn(&nba.campaign)
        .user_id("u1")
        .send()
        .await
        .unwrap();
    assert_eq!(default.action_list.unwrap().len(), 4);

    // A user who took app (as users 0..40 and 80..100 did, of whom 40 took enroll and 20
    // card): enroll now outranks card, in real time, with no new version.
    c.events
        .put_action_interactions()
        .tracking_id(&nba.tracking_id)
        .action_interactions(interaction("newbie", "app", "Taken"))
        .send()
        .await
        .unwrap();
    let personal = recommend_actions(&c, &nba.campaign, Some("newbie"), None).await;
    assert!(
        score(&personal, "enroll") > score(&personal, "card"),
        "{personal:?}"
    );
    assert!(score(&personal, "enroll") > 60.0 / 160.0);
    // Refusing enroll lowers it; taking weekly hides it for its 7-day repeat frequency.
    c.events
        .put_action_interactions()
        .tracking_id(&nba.tracking_id)
        .action_interactions(interaction("newbie", "enroll", "Not Taken"))
        .action_interactions(interaction("newbie", "weekly", "TAKEN"))
        .send()
        .await
        .unwrap();
    let after = recommend_actions(&c, &nba.campaign, Some("newbie"), None).await;
    assert!(
        score(&after, "enroll") < score(&personal, "enroll") / 1.5,
        "{after:?}"
    );
    assert!(!ids(&after).contains(&"weekly"), "{after:?}");
    assert!(ids(&anonymous).contains(&"weekly"));

    // PutActions: a new action joins unscored (0.0); new metadata can expire one.
    c.events
        .put_actions()
        .dataset_arn(&nba.actions)
        .actions(
            Action::builder()
                .action_id("fresh")
                .properties(r#"{"value": "2", "membershipLevel": "silver"}"#)
                .build()
                .unwrap(),
        )
        .actions(
            Action::builder()
                .action_id("card")
                .properties(r#"{"value": 9, "expirationTimestamp": 1000}"#)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let put = recommend_actions(&c, &nba.campaign, None, None).await;
    assert_eq!(put.last().unwrap(), &("fresh".to_owned(), 0.0));
    assert!(!ids(&put).contains(&"card"), "{put:?}");

    // A filter in the action form, with a placeholder.
    let filter = p
        .create_filter()
        .name("no-gold")
        .dataset_group_arn(&nba.group)
        .filter_expression("EXCLUDE ActionID WHERE Actions.MEMBERSHIP_LEVEL IN ($LEVEL)")
        .send()
        .await
        .unwrap()
        .filter_arn
        .unwrap();
    let filtered = recommend_actions(
        &c,
        &nba.campaign,
        None,
        Some((&filter, "LEVEL", "\"gold\"")),
    )
    .await;
    assert_eq!(ids(&filtered), ["weekly", "app", "fresh"]);
    let taken = p
        .create_filter()
        .name("not-taken")
        .dataset_group_arn(&nba.group)
        .filter_expression(r#"EXCLUDE ActionID WHERE Action_Interactions.EVENT_TYPE IN ("TAKEN")"#)
        .send()
        .await
        .unwrap()
        .filter_arn
        .unwrap();
    let call = c
        .runtime
        .get_action_recommendations()
        .campaign_arn(&nba.campaign)
        .user_id("newbie")
        .filter_arn(&taken)
        .send()
        .await
        .unwrap();
    let left: Vec<String> = call
        .action_list
        .unwrap()
        .into_iter()
        .map(|a| a.action_id.unwrap())
        .collect();
    assert!(!left.contains(&"app".to_owned()), "{left:?}");
    assert!(left.contains(&"enroll".to_owned()), "{left:?}");

    // A second version trains on the streamed interactions and the put actions too.
    let (_, second) = trained_version(p, &nba.group, "nba2", NBA).await;
    assert_ne!(second, nba.version);
    let (actions, interactions) = {
        let inner = server.server().state.read();
        personalize_local::data::actions::gather_actions(&*inner, &nba.group, u64::MAX)
    };
    assert!(actions.iter().any(|a| a.item_id == "fresh"));
    assert_eq!(interactions.len(), 4 * 100 + 60 * 2 + 60 + 60 + 3);

    // An item campaign's operation refuses an action campaign, and the other way round;
    // GetSolutionMetrics says it has no figures for the recipe.
    let err = c
        .runtime
        .get_recommendations()
        .campaign_arn(&nba.campaign)
        .user_id("u1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        format!("{err:?}").contains("use GetActionRecommendations"),
        "{err:?}"
    );
    let err = p
        .get_solution_metrics()
        .solution_version_arn(&nba.version)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(format!("{err:?}").contains("no offline metrics"), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_campaign_refuses_action_recommendations() {
    let f = Fixture::start("items-only").await;
    let err =
        f.c.runtime
            .get_action_recommendations()
            .campaign_arn(&f.chain.campaign)
            .user_id("u1")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(err.is_invalid_input_exception(), "{err:?}");
    assert!(
        format!("{err:?}").contains("use GetRecommendations"),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_actions_input_is_refused_precisely() {
    let root = root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let group = dataset_group(p, "bad").await;

    // Schemas that do not fit their type.
    let schema = |fields: &str| {
        format!(
            r#"{{"type":"record","name":"S","namespace":"com.amazonaws.personalize.schema","fields":[{fields}],"version":"1.0"}}"#
        )
    };
    for (i, (ty, fields, needle)) in [
        ("Actions", r#"{"name":"VALUE","type":"long"}"#, "requires the field ACTION_ID"),
        ("Actions", r#"{"name":"ACTION_ID","type":"string"}"#, "metadata field besides ACTION_ID"),
        (
            "Actions",
            r#"{"name":"ACTION_ID","type":"string"},{"name":"VALUE","type":"string","categorical":true}"#,
            "VALUE of a Actions schema is a reserved keyword of type long",
        ),
        (
            "Action_Interactions",
            r#"{"name":"USER_ID","type":"string"},{"name":"ACTION_ID","type":"string"},{"name":"TIMESTAMP","type":"long"}"#,
            "requires the field EVENT_TYPE",
        ),
        ("Action_Interaction", r#"{"name":"A","type":"long"}"#, "Action_Interactions"),
    ]
    .into_iter()
    .enumerate()
    {
        let schema_arn = p
            .create_schema()
            .name(format!("bad-{i}"))
            .schema(schema(fields))
            .send()
            .await
            .unwrap()
            .schema_arn
            .unwrap();
        let err = p
            .create_dataset()
            .name(format!("bad-{i}"))
            .dataset_group_arn(&group)
            .dataset_type(ty)
            .schema_arn(&schema_arn)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(format!("{err:?}").contains(needle), "{ty} {fields}: {err:?}");
    }

    let (_, actions) = dataset(p, &group, "bad-a", "Actions", ACTIONS_SCHEMA).await;
    let (_, interactions) = dataset(
        p,
        &group,
        "bad-ai",
        "ACTION_INTERACTIONS",
        ACTION_INTERACTIONS_SCHEMA,
    )
    .await;
    // An import with an event type AWS does not define fails, naming line and column.
    let job = import(p, &interactions, "bad-ai", "bad_interactions.csv", None).await;
    assert_eq!(job.status.as_deref(), Some("CREATE FAILED"));
    let reason = job.failure_reason.unwrap();
    assert!(
        reason.contains("line 3") && reason.contains("\"click\""),
        "{reason}"
    );

    let tracking_id = p
        .describe_dataset()
        .dataset_arn(&interactions)
        .send()
        .await
        .unwrap()
        .dataset
        .unwrap()
        .tracking_id
        .unwrap();
    let put = |list: Vec<ActionInteraction>, tracking: &str| {
        c.events
            .put_action_interactions()
            .tracking_id(tracking)
            .set_action_interactions(Some(list))
            .send()
    };
    let err = put(vec![interaction("u", "enroll", "TAKEN")], "nope")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let with_properties = |properties: &str| {
        ActionInteraction::builder()
            .action_id("enroll")
            .user_id("u")
            .session_id("s")
            .timestamp(now())
            .event_type("TAKEN")
            .properties(properties)
            .build()
            .unwrap()
    };
    for (list, needle) in [
        (
            vec![interaction("u", "enroll", "click")],
            "not an action interaction type",
        ),
        (
            vec![
                interaction("u", "enroll", "TAKEN"),
                interaction("u", "enroll", "Clicked"),
            ],
            "actionInteractions[1]",
        ),
        (vec![with_properties(r#"{"colour": "red"}"#)], "not a field"),
        (vec![with_properties(r#"{"actionId": "x"}"#)], "not allowed"),
        (
            vec![with_properties(r#"{"channel": ["a"]}"#)],
            "string, number or boolean",
        ),
        (vec![with_properties("not json")], "not a JSON object"),
    ] {
        let err = put(list, &tracking_id)
            .await
            .unwrap_err()
            .into_service_error();
        assert!(format!("{err:?}").contains(needle), "{needle}: {err:?}");
    }
    // The model's limits: at most 10 per call, ids of at most 256 characters.
    let eleven = (0..11)
        .map(|_| interaction("u", "enroll", "TAKEN"))
        .collect();
    let err = put(eleven, &tracking_id)
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.meta().code(), Some("ValidationException"), "{err:?}");
    let long = interaction("u", &"a".repeat(300), "TAKEN");
    let err = put(vec![long], &tracking_id)
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.meta().code(), Some("ValidationException"), "{err:?}");
    // Nothing of a refused call was stored.
    let group_log = |server: &TestServer| {
        server
            .server()
            .state
            .read()
            .logs
            .get(&group)
            .map_or(0, |l| l.entries.len())
    };
    assert_eq!(group_log(&server), 0);
    // A repeated eventId is kept for real time, not for training.
    let with_id = ActionInteraction::builder()
        .action_id("enroll")
        .user_id("u")
        .session_id("s")
        .timestamp(now())
        .event_type("TAKEN")
        .event_id("e1")
        .build()
        .unwrap();
    put(vec![with_id.clone(), with_id.clone()], &tracking_id)
        .await
        .unwrap();
    put(vec![with_id], &tracking_id).await.unwrap();
    {
        let inner = server.server().state.read();
        let log = &inner.logs[&group];
        assert_eq!(log.user_action_events_after("u", 0).len(), 3);
        assert_eq!(log.training_action_events(u64::MAX).len(), 1);
    }

    // PutActions: the dataset must be an Actions dataset; properties must fit its schema.
    let put_action = |dataset: &str, properties: &str| {
        c.events
            .put_actions()
            .dataset_arn(dataset)
            .actions(
                Action::builder()
                    .action_id("x")
                    .properties(properties)
                    .build()
                    .unwrap(),
            )
            .send()
    };
    for (dataset, properties, needle) in [
        (
            interactions.as_str(),
            r#"{"value": 1}"#,
            "is not a Actions dataset",
        ),
        (actions.as_str(), r#"{"value": "lots"}"#, "not of type long"),
        (actions.as_str(), r#"{"colour": "red"}"#, "not a field"),
        (actions.as_str(), r#"{"actionId": "y"}"#, "not allowed"),
    ] {
        let err = put_action(dataset, properties)
            .await
            .unwrap_err()
            .into_service_error();
        assert!(format!("{err:?}").contains(needle), "{properties}: {err:?}");
    }

    // Training with no action fails the version with the reason.
    let empty = dataset_group(p, "empty").await;
    dataset(
        p,
        &empty,
        "empty-ai",
        "Action_Interactions",
        ACTION_INTERACTIONS_SCHEMA,
    )
    .await;
    let (_, v) = solution_version(p, &empty, "empty", NBA, None, None).await;
    assert_eq!(v.status.as_deref(), Some("CREATE FAILED"));
    assert!(v.failure_reason.unwrap().contains("needs actions"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numresults_outside_one_to_a_hundred_is_refused() {
    let root = root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let nba = nba_chain(&c, "num").await;
    for n in [0, 101] {
        let err = c
            .runtime
            .get_action_recommendations()
            .campaign_arn(&nba.campaign)
            .num_results(n)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(
            format!("{err:?}").contains("between 1 and 100"),
            "{n}: {err:?}"
        );
    }
}

/// With `--state-dir`, an aws-next-best-action model is stored and served after a restart
/// (the campaign's deployment check and GetActionRecommendations read it back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_model_survives_a_restart() {
    let root = root();
    let state = tempfile::tempdir().unwrap();
    let config = || Config {
        state_dir: Some(state.path().to_path_buf()),
        ..instant_config(root.path())
    };
    let (campaign, before) = {
        let server = TestServer::start(config());
        let c = Clients::new(server.endpoint());
        let nba = nba_chain(&c, "keep").await;
        let before = recommend_actions(&c, &nba.campaign, Some("u1"), None).await;
        (nba.campaign, before)
    };
    let server = TestServer::start(config());
    let c = Clients::new(server.endpoint());
    assert_eq!(
        recommend_actions(&c, &campaign, Some("u1"), None).await,
        before
    );
    // A new campaign on the stored version deploys (the model is found as an action model).
    let version = c
        .control
        .describe_campaign()
        .campaign_arn(&campaign)
        .send()
        .await
        .unwrap()
        .campaign
        .unwrap()
        .solution_version_arn
        .unwrap();
    let again = c
        .control
        .create_campaign()
        .name("keep-again")
        .solution_version_arn(&version)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let described = c
        .control
        .describe_campaign()
        .campaign_arn(&again)
        .send()
        .await
        .unwrap()
        .campaign
        .unwrap();
    assert_eq!(
        described.status.as_deref(),
        Some("ACTIVE"),
        "{:?}",
        described.failure_reason
    );
}

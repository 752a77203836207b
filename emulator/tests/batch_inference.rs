//! Batch inference jobs through the real aws-sdk-personalize: each input line answered as
//! GetRecommendations / GetPersonalizedRanking would answer it, one output line per input
//! line (developer guide, Batch inference job output examples), per-line errors, the
//! failures AWS reports as `failureReason`, bad requests refused, List by solution version.

mod common;

use std::path::Path;

use aws_sdk_personalize::types::{
    BatchInferenceJobConfig, BatchInferenceJobInput, BatchInferenceJobMode,
    BatchInferenceJobOutput, S3DataConfig,
};
use common::*;
use serde_json::{json, Value};

fn input(path: &str) -> BatchInferenceJobInput {
    BatchInferenceJobInput::builder()
        .s3_data_source(S3DataConfig::builder().path(path).build().unwrap())
        .build()
}

fn output(path: &str) -> BatchInferenceJobOutput {
    BatchInferenceJobOutput::builder()
        .s3_data_destination(S3DataConfig::builder().path(path).build().unwrap())
        .build()
}

/// Creates a batch inference job of `version` reading `input_path` and writing under
/// `output_path` with `num` results; describes it once the call returns (instant server).
async fn job(
    c: &Clients,
    name: &str,
    version: &str,
    input_path: &str,
    output_path: &str,
    num: Option<i32>,
) -> aws_sdk_personalize::types::BatchInferenceJob {
    let arn = c
        .control
        .create_batch_inference_job()
        .job_name(name)
        .solution_version_arn(version)
        .job_input(input(input_path))
        .job_output(output(output_path))
        .role_arn(ROLE)
        .set_num_results(num)
        .send()
        .await
        .unwrap()
        .batch_inference_job_arn
        .unwrap();
    c.control
        .describe_batch_inference_job()
        .batch_inference_job_arn(arn)
        .send()
        .await
        .unwrap()
        .batch_inference_job
        .unwrap()
}

fn write(root: &Path, key: &str, text: &str) {
    let path = root.join("data").join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn output_lines(root: &Path, key: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(root.join("data").join(key))
        .unwrap_or_else(|e| panic!("{key}: {e}"));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_line_is_answered_as_get_recommendations_answers_it() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let chain = build_chain(&c, "batch").await;
    write(
        root.path(),
        "batch/in/users.json",
        "{\"userId\":\"u1\"}\n\n{\"userId\":\"u35\"}\n{\"userId\":5}\nnot json\n[1]\n{\"itemId\":\"i1\"}\n{\"userId\":\"stranger\"}\n",
    );
    let described = job(
        &c,
        "users",
        &chain.version,
        "s3://data/batch/in/users.json",
        "s3://data/batch/out/",
        Some(5),
    )
    .await;
    assert_eq!(
        described.status(),
        Some("ACTIVE"),
        "{:?}",
        described.failure_reason()
    );
    assert_eq!(described.num_results(), Some(5));
    assert_eq!(
        described.batch_inference_job_mode(),
        Some(&BatchInferenceJobMode::BatchInference)
    );
    assert_eq!(
        described
            .job_input()
            .unwrap()
            .s3_data_source()
            .unwrap()
            .path(),
        "s3://data/batch/in/users.json"
    );
    let lines = output_lines(root.path(), "batch/out/users.json.out");
    assert_eq!(lines.len(), 7, "one output line per non-blank input line");
    for (line, user) in [
        (&lines[0], "u1"),
        (&lines[1], "u35"),
        (&lines[6], "stranger"),
    ] {
        assert_eq!(line["input"], json!({"userId": user}));
        assert_eq!(line["error"], Value::Null);
        let expected = recommend(&c, &chain.campaign, user, 5).await;
        let items = strings(&line["output"]["recommendedItems"]);
        let scores: Vec<f64> = line["output"]["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_f64().unwrap())
            .collect();
        assert_eq!(
            items,
            expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>(),
            "{user}"
        );
        for (got, want) in scores.iter().zip(&expected) {
            assert!((got - want.1).abs() < 1e-9, "{user}: {got} vs {}", want.1);
        }
    }
    // The two taste clusters: the batch answers follow the user's history.
    let cluster = |items: &[String]| {
        items
            .iter()
            .filter(|i| i[1..].parse::<u32>().unwrap() < CLUSTER)
            .count()
    };
    assert_eq!(
        cluster(&strings(&lines[0]["output"]["recommendedItems"])),
        5
    );
    assert_eq!(
        cluster(&strings(&lines[1]["output"]["recommendedItems"])),
        0
    );
    // Bad lines keep their place, with the reason and no output.
    let error = |i: usize| lines[i]["error"].as_str().unwrap().to_owned();
    assert_eq!(lines[2]["input"], json!({"userId": 5}));
    assert!(error(2).contains("userId must be a string"), "{}", error(2));
    assert_eq!(lines[2]["output"], Value::Null);
    assert_eq!(lines[3]["input"], json!("not json"));
    assert!(error(3).contains("not valid JSON"), "{}", error(3));
    assert!(error(4).contains("not a JSON object"), "{}", error(4));
    assert!(
        error(5).contains("userId is required: a USER_PERSONALIZATION"),
        "{}",
        error(5)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn related_items_ranking_filters_and_prefixes() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let chain = build_chain(&c, "batchkinds").await;
    let p = &c.control;
    // RELATED_ITEMS (aws-sims): itemId lines, no scores (How recommendation scoring works).
    let (_, sims) = trained_version(
        p,
        &chain.group,
        "batchsims",
        "arn:aws:personalize:::recipe/aws-sims",
    )
    .await;
    let sims_campaign = p
        .create_campaign()
        .name("batchsims")
        .solution_version_arn(&sims)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    write(root.path(), "kinds/items/a.json", "{\"itemId\":\"i3\"}\n");
    write(
        root.path(),
        "kinds/items/b.json",
        "{\"itemId\":\"i45\"}\n{\"userId\":\"u1\"}\n",
    );
    let described = job(
        &c,
        "sims",
        &sims,
        "s3://data/kinds/items/",
        "s3://data/kinds/out",
        Some(4),
    )
    .await;
    assert_eq!(
        described.status(),
        Some("ACTIVE"),
        "{:?}",
        described.failure_reason()
    );
    let a = output_lines(root.path(), "kinds/out/a.json.out");
    let b = output_lines(root.path(), "kinds/out/b.json.out");
    assert_eq!(
        (a.len(), b.len()),
        (1, 2),
        "one .out file per input file under the prefix"
    );
    for (line, item) in [(&a[0], "i3"), (&b[0], "i45")] {
        let expected: Vec<String> = c
            .runtime
            .get_recommendations()
            .campaign_arn(&sims_campaign)
            .item_id(item)
            .num_results(4)
            .send()
            .await
            .unwrap()
            .item_list
            .unwrap()
            .into_iter()
            .map(|i| i.item_id.unwrap())
            .collect();
        assert_eq!(strings(&line["output"]["recommendedItems"]), expected);
        assert!(
            line["output"].get("scores").is_none(),
            "SIMS shows no scores"
        );
    }
    assert!(b[1]["error"]
        .as_str()
        .unwrap()
        .contains("itemId is required"));

    // PERSONALIZED_RANKING: userId + itemList, ranked as GetPersonalizedRanking ranks it.
    let (_, ranking) = trained_version(
        p,
        &chain.group,
        "batchrank",
        "arn:aws:personalize:::recipe/aws-personalized-ranking",
    )
    .await;
    let rank_campaign = p
        .create_campaign()
        .name("batchrank")
        .solution_version_arn(&ranking)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let too_long: Vec<String> = (0..501).map(|i| format!("i{}", i % 80)).collect();
    write(
        root.path(),
        "kinds/rank.json",
        &format!(
            "{}\n{}\n{}\n",
            json!({"userId": "u40", "itemList": ["i1", "i41", "i2", "i42"]}),
            json!({"userId": "u40"}),
            json!({"userId": "u40", "itemList": too_long}),
        ),
    );
    let described = job(
        &c,
        "rank",
        &ranking,
        "s3://data/kinds/rank.json",
        "s3://data/kinds/ranked/",
        None,
    )
    .await;
    assert_eq!(
        described.status(),
        Some("ACTIVE"),
        "{:?}",
        described.failure_reason()
    );
    let lines = output_lines(root.path(), "kinds/ranked/rank.json.out");
    let expected: Vec<String> = c
        .runtime
        .get_personalized_ranking()
        .campaign_arn(&rank_campaign)
        .user_id("u40")
        .set_input_list(Some(vec![
            "i1".into(),
            "i41".into(),
            "i2".into(),
            "i42".into(),
        ]))
        .send()
        .await
        .unwrap()
        .personalized_ranking
        .unwrap()
        .into_iter()
        .map(|i| i.item_id.unwrap())
        .collect();
    assert_eq!(strings(&lines[0]["output"]["recommendedItems"]), expected);
    assert_eq!(lines[0]["output"]["scores"].as_array().unwrap().len(), 4);
    assert!(lines[1]["error"]
        .as_str()
        .unwrap()
        .contains("itemList is required"));
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("1 to 500 item ids, got 501"),
        "{}",
        lines[2]["error"]
    );

    // A filter with a placeholder: each line brings its own filterValues.
    let filter = p
        .create_filter()
        .name("batchgenre")
        .dataset_group_arn(&chain.group)
        .filter_expression("INCLUDE ItemID WHERE Items.GENRE IN ($GENRES)")
        .send()
        .await
        .unwrap()
        .filter_arn
        .unwrap();
    write(
        root.path(),
        "kinds/filtered.json",
        &format!(
            "{}\n{}\n{}\n",
            json!({"userId": "u1", "filterValues": {"GENRES": "\"Drama\""}}),
            json!({"userId": "u1"}),
            json!({"userId": "u1", "filterValues": "Drama"}),
        ),
    );
    let arn = p
        .create_batch_inference_job()
        .job_name("filtered")
        .solution_version_arn(&chain.version)
        .filter_arn(&filter)
        .job_input(input("s3://data/kinds/filtered.json"))
        .job_output(output("s3://data/kinds/filtered/"))
        .role_arn(ROLE)
        .num_results(10)
        .batch_inference_job_config(
            BatchInferenceJobConfig::builder()
                .item_exploration_config("explorationWeight", "0")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .batch_inference_job_arn
        .unwrap();
    let described = p
        .describe_batch_inference_job()
        .batch_inference_job_arn(&arn)
        .send()
        .await
        .unwrap()
        .batch_inference_job
        .unwrap();
    assert_eq!(described.filter_arn(), Some(filter.as_str()));
    assert_eq!(
        described
            .batch_inference_job_config()
            .unwrap()
            .item_exploration_config()
            .unwrap()["explorationWeight"],
        "0"
    );
    let lines = output_lines(root.path(), "kinds/filtered/filtered.json.out");
    let dramas = strings(&lines[0]["output"]["recommendedItems"]);
    assert_eq!(dramas.len(), 10);
    assert!(
        dramas
            .iter()
            .all(|i| i[1..].parse::<u32>().unwrap() >= CLUSTER),
        "{dramas:?}"
    );
    assert!(
        lines[1]["error"].as_str().unwrap().contains("GENRES"),
        "{}",
        lines[1]["error"]
    );
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .contains("filterValues must be an object"));

    // ListBatchInferenceJobs by solution version, paginated.
    let listed = p
        .list_batch_inference_jobs()
        .solution_version_arn(&chain.version)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .batch_inference_jobs()
        .iter()
        .map(|j| j.job_name().unwrap())
        .collect();
    assert_eq!(names, ["filtered"]);
    assert_eq!(
        listed.batch_inference_jobs()[0].solution_version_arn(),
        Some(chain.version.as_str())
    );
    let first = p
        .list_batch_inference_jobs()
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.batch_inference_jobs().len(), 2);
    let second = p
        .list_batch_inference_jobs()
        .max_results(2)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    let mut all: Vec<&str> = first
        .batch_inference_jobs()
        .iter()
        .chain(second.batch_inference_jobs())
        .map(|j| j.job_name().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, ["filtered", "rank", "sims"]);
    assert!(second.next_token().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_and_bad_data_fails_the_job() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let chain = build_chain(&c, "batchbad").await;
    let p = &c.control;
    write(root.path(), "bad/users.json", "{\"userId\":\"u1\"}\n");
    let create = |name: &str, version: &str, input_path: &str, output_path: &str| {
        p.create_batch_inference_job()
            .job_name(name)
            .solution_version_arn(version)
            .job_input(input(input_path))
            .job_output(output(output_path))
            .role_arn(ROLE)
    };
    let refused = |e: aws_sdk_personalize::error::SdkError<
        aws_sdk_personalize::operation::create_batch_inference_job::CreateBatchInferenceJobError,
    >| {
        let e = e.into_service_error();
        (
            e.meta().code().unwrap_or("").to_owned(),
            e.meta().message().unwrap_or("").to_owned(),
        )
    };
    let ok_in = "s3://data/bad/users.json";
    let ok_out = "s3://data/bad/out/";
    for (input_path, output_path, want) in [
        ("https://data/bad/users.json", ok_out, "jobInput.s3DataSource.path: dataLocation \"https://data/bad/users.json\" must be an s3:// URL"),
        ("s3://data", ok_out, "has no key"),
        (ok_in, "http://data/out/", "jobOutput.s3DataDestination.path: \"http://data/out/\" must be an s3:// URL"),
        (ok_in, "s3:///out/", "has no bucket"),
    ] {
        let (code, message) = refused(
            create("paths", &chain.version, input_path, output_path)
                .send()
                .await
                .unwrap_err(),
        );
        assert_eq!(code, "InvalidInputException");
        assert!(message.contains(want), "{message}");
    }
    for num in [0, 501] {
        let (code, message) = refused(
            create("num", &chain.version, ok_in, ok_out)
                .num_results(num)
                .send()
                .await
                .unwrap_err(),
        );
        assert_eq!(code, "InvalidInputException");
        assert!(
            message.contains(&format!("between 1 and 500, got {num}")),
            "{message}"
        );
    }
    let (code, message) = refused(
        create("themes", &chain.version, ok_in, ok_out)
            .batch_inference_job_mode(BatchInferenceJobMode::ThemeGeneration)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "InvalidInputException");
    assert!(message.contains("THEME_GENERATION"), "{message}");
    let (code, message) = refused(
        create("influence", &chain.version, ok_in, ok_out)
            .batch_inference_job_config(
                BatchInferenceJobConfig::builder()
                    .item_exploration_config("explorationWeight", "lots")
                    .build(),
            )
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "InvalidInputException");
    assert!(message.contains("explorationWeight"), "{message}");
    let missing = format!("{}-gone", chain.version);
    let (code, _) = refused(
        create("gone", &missing, ok_in, ok_out)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "ResourceNotFoundException");
    // Trending-Now has no batch recommendations (Batch inference job output examples).
    let (_, trending) = trained_version(
        p,
        &chain.group,
        "batchtrend",
        "arn:aws:personalize:::recipe/aws-trending-now",
    )
    .await;
    let (code, message) = refused(
        create("trend", &trending, ok_in, ok_out)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "InvalidInputException");
    assert!(message.contains("Trending-Now"), "{message}");
    // A version that is not ACTIVE: one trained on a group without data fails.
    let empty = dataset_group(p, "batchempty").await;
    dataset(
        p,
        &empty,
        "batchempty-i",
        "Interactions",
        INTERACTIONS_SCHEMA,
    )
    .await;
    let (_, failed) = solution_version(
        p,
        &empty,
        "batchempty",
        "arn:aws:personalize:::recipe/aws-user-personalization",
        None,
        None,
    )
    .await;
    assert_eq!(failed.status(), Some("CREATE FAILED"));
    let (code, message) = refused(
        create(
            "inactive",
            failed.solution_version_arn().unwrap(),
            ok_in,
            ok_out,
        )
        .send()
        .await
        .unwrap_err(),
    );
    assert_eq!(code, "ResourceInUseException");
    assert!(message.contains("CREATE FAILED, not ACTIVE"), "{message}");
    // A filter of another dataset group.
    let other_filter = p
        .create_filter()
        .name("batchother")
        .dataset_group_arn(&empty)
        .filter_expression("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")")
        .send()
        .await
        .unwrap()
        .filter_arn
        .unwrap();
    let (code, message) = refused(
        create("otherfilter", &chain.version, ok_in, ok_out)
            .filter_arn(other_filter)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "InvalidInputException");
    assert!(message.contains("another dataset group"), "{message}");

    // Accepted requests whose data fails: the job is CREATE FAILED with the reason.
    let described = job(&c, "fine", &chain.version, ok_in, ok_out, None).await;
    assert_eq!(described.status(), Some("ACTIVE"));
    let (code, _) = refused(
        create("fine", &chain.version, ok_in, ok_out)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "ResourceAlreadyExistsException");
    for (name, input_path, output_path, reason) in [
        (
            "missing",
            "s3://data/bad/absent.json",
            ok_out,
            "s3://data/bad/absent.json",
        ),
        (
            "escape",
            "s3://data/../../etc/passwd",
            ok_out,
            "not a valid location",
        ),
        (
            "escapeout",
            ok_in,
            "s3://data/../../outside/",
            "not a valid location",
        ),
        (
            "emptyprefix",
            "s3://data/nothing-here/",
            ok_out,
            "nothing-here",
        ),
    ] {
        let described = job(&c, name, &chain.version, input_path, output_path, None).await;
        assert_eq!(described.status(), Some("CREATE FAILED"), "{name}");
        let failure = described.failure_reason().unwrap();
        assert!(failure.contains(reason), "{name}: {failure}");
    }
    assert!(!root.path().join("outside").exists());
    write(root.path(), "bad/blank.json", "\n  \n");
    let described = job(
        &c,
        "blank",
        &chain.version,
        "s3://data/bad/blank.json",
        ok_out,
        None,
    )
    .await;
    assert_eq!(described.status(), Some("CREATE FAILED"));
    assert!(described
        .failure_reason()
        .unwrap()
        .contains("holds no input records"));
}

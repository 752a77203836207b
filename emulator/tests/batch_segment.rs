//! Batch segment jobs through the real aws-sdk-personalize: the USER_SEGMENTATION recipes
//! (aws-item-affinity, aws-item-attribute-affinity) listed, trained and answering segments
//! that follow the users' tastes (developer guide, Batch segment job output format examples),
//! per-line errors, the Item-Attribute-Affinity limits, and what they refuse.

mod common;

use std::path::Path;

use aws_sdk_personalize::types::{
    BatchInferenceJobInput, BatchInferenceJobOutput, BatchSegmentJobInput, BatchSegmentJobOutput,
    S3DataConfig,
};
use common::*;
use serde_json::{json, Value};

fn s3(path: &str) -> S3DataConfig {
    S3DataConfig::builder().path(path).build().unwrap()
}

async fn segment_job(
    c: &Clients,
    name: &str,
    version: &str,
    input: &str,
    output: &str,
    num: Option<i32>,
) -> aws_sdk_personalize::types::BatchSegmentJob {
    let arn = c
        .control
        .create_batch_segment_job()
        .job_name(name)
        .solution_version_arn(version)
        .job_input(
            BatchSegmentJobInput::builder()
                .s3_data_source(s3(input))
                .build(),
        )
        .job_output(
            BatchSegmentJobOutput::builder()
                .s3_data_destination(s3(output))
                .build(),
        )
        .role_arn(ROLE)
        .set_num_results(num)
        .send()
        .await
        .unwrap()
        .batch_segment_job_arn
        .unwrap();
    c.control
        .describe_batch_segment_job()
        .batch_segment_job_arn(arn)
        .send()
        .await
        .unwrap()
        .batch_segment_job
        .unwrap()
}

fn write(root: &Path, key: &str, lines: &[Value]) {
    let path = root.join("data").join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).unwrap();
}

fn read(root: &Path, key: &str) -> Vec<Value> {
    std::fs::read_to_string(root.join("data").join(key))
        .unwrap_or_else(|e| panic!("{key}: {e}"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Users u0..u29 watch comedies, u30..u59 dramas (common::interactions_csv).
fn comedy_fans(users: &Value) -> (usize, usize) {
    let users: Vec<u32> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap()[1..].parse().unwrap())
        .collect();
    (
        users.iter().filter(|&&u| u < 30).count(),
        users.iter().filter(|&&u| u >= 30).count(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_follow_the_users_tastes() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let chain = build_chain(&c, "segments").await;
    let p = &c.control;

    // ListRecipes and DescribeRecipe show both USER_SEGMENTATION recipes.
    let recipes = p.list_recipes().send().await.unwrap();
    for name in ["aws-item-affinity", "aws-item-attribute-affinity"] {
        let arn = format!("arn:aws:personalize:::recipe/{name}");
        assert!(recipes
            .recipes()
            .iter()
            .any(|r| r.recipe_arn() == Some(arn.as_str())));
        let recipe = p
            .describe_recipe()
            .recipe_arn(&arn)
            .send()
            .await
            .unwrap()
            .recipe
            .unwrap();
        assert_eq!(recipe.recipe_type(), Some("USER_SEGMENTATION"));
    }

    // Item-Affinity: the users most drawn to a comedy are comedy fans, and to a drama drama fans.
    let (_, affinity) = trained_version(
        p,
        &chain.group,
        "seg-items",
        "arn:aws:personalize:::recipe/aws-item-affinity",
    )
    .await;
    write(
        root.path(),
        "seg/items.json",
        &[
            json!({"itemId": "i3"}),
            json!({"itemId": "i45"}),
            json!({"itemId": "unknown"}),
            json!({"userId": "u1"}),
        ],
    );
    let job = segment_job(
        &c,
        "items",
        &affinity,
        "s3://data/seg/items.json",
        "s3://data/seg/out/",
        Some(8),
    )
    .await;
    assert_eq!(job.status(), Some("ACTIVE"), "{:?}", job.failure_reason());
    assert_eq!(job.num_results(), Some(8));
    let lines = read(root.path(), "seg/out/items.json.out");
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["input"], json!({"itemId": "i3"}));
    assert_eq!(lines[0]["error"], Value::Null);
    assert_eq!(comedy_fans(&lines[0]["output"]["recommendedUsers"]), (8, 0));
    assert_eq!(comedy_fans(&lines[1]["output"]["recommendedUsers"]), (0, 8));
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .contains("Item unknown is not in the data"));
    assert_eq!(lines[2]["output"], Value::Null);
    assert!(lines[3]["error"]
        .as_str()
        .unwrap()
        .contains("itemId is required"));

    // Item-Attribute-Affinity: a genre's segment; conditions joined by AND; bad queries.
    let (_, attribute) = trained_version(
        p,
        &chain.group,
        "seg-attributes",
        "arn:aws:personalize:::recipe/aws-item-attribute-affinity",
    )
    .await;
    write(
        root.path(),
        "seg/genres.json",
        &[
            json!({"itemAttributes": "ITEMS.genre = \"Drama\""}),
            json!({"itemAttributes": "ITEMS.GENRE = \"Comedy\" AND ITEMS.GENRE = \"Drama\""}),
            json!({"itemAttributes": "ITEMS.genre = Drama"}),
            json!({"itemAttributes": "ITEMS.genre = \"Comedy\""}),
        ],
    );
    let job = segment_job(
        &c,
        "genres",
        &attribute,
        "s3://data/seg/genres.json",
        "s3://data/seg/out/",
        None,
    )
    .await;
    assert_eq!(job.status(), Some("ACTIVE"), "{:?}", job.failure_reason());
    assert_eq!(job.num_results(), Some(25), "the default");
    let lines = read(root.path(), "seg/out/genres.json.out");
    assert_eq!(lines[0]["itemAttributes"], "ITEMS.genre = \"Drama\"");
    assert_eq!(
        comedy_fans(&lines[0]["output"]["recommendedUsers"]),
        (0, 25)
    );
    assert!(lines[1]["error"]
        .as_str()
        .unwrap()
        .contains("No item the solution version was trained on has these attributes"));
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .contains("must be a quoted string, a number or a boolean"));
    assert_eq!(
        comedy_fans(&lines[3]["output"]["recommendedUsers"]),
        (25, 0)
    );
    // "Your input data can have a maximum of 10 queries".
    let many: Vec<Value> = (0..11)
        .map(|_| json!({"itemAttributes": "ITEMS.genre = \"Drama\""}))
        .collect();
    write(root.path(), "seg/many.json", &many);
    let job = segment_job(
        &c,
        "many",
        &attribute,
        "s3://data/seg/many.json",
        "s3://data/seg/out/",
        None,
    )
    .await;
    assert_eq!(job.status(), Some("CREATE FAILED"));
    assert!(
        job.failure_reason().unwrap().contains("at most 10"),
        "{:?}",
        job.failure_reason()
    );

    // Segments only: no real-time recommendations, no batch inference.
    let campaign = p
        .create_campaign()
        .name("seg-items")
        .solution_version_arn(&affinity)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let e = c
        .runtime
        .get_recommendations()
        .campaign_arn(&campaign)
        .user_id("u1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_input_exception());
    assert!(
        e.meta().message().unwrap().contains("batch segment jobs"),
        "{e:?}"
    );
    let e = p
        .create_batch_inference_job()
        .job_name("seg-inference")
        .solution_version_arn(&affinity)
        .job_input(
            BatchInferenceJobInput::builder()
                .s3_data_source(s3("s3://data/seg/items.json"))
                .build(),
        )
        .job_output(
            BatchInferenceJobOutput::builder()
                .s3_data_destination(s3("s3://data/seg/out/"))
                .build(),
        )
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_input_exception());
    assert!(e
        .meta()
        .message()
        .unwrap()
        .contains("CreateBatchSegmentJob"));

    // What CreateBatchSegmentJob refuses.
    let create = |name: &str, version: &str| {
        p.create_batch_segment_job()
            .job_name(name)
            .solution_version_arn(version)
            .job_input(
                BatchSegmentJobInput::builder()
                    .s3_data_source(s3("s3://data/seg/items.json"))
                    .build(),
            )
            .job_output(
                BatchSegmentJobOutput::builder()
                    .s3_data_destination(s3("s3://data/seg/out/"))
                    .build(),
            )
            .role_arn(ROLE)
    };
    let message = |e: aws_sdk_personalize::error::SdkError<
        aws_sdk_personalize::operation::create_batch_segment_job::CreateBatchSegmentJobError,
    >| {
        let e = e.into_service_error();
        assert!(e.is_invalid_input_exception(), "{e:?}");
        e.meta().message().unwrap().to_owned()
    };
    let m = message(create("seg-up", &chain.version).send().await.unwrap_err());
    assert!(m.contains("USER_SEGMENTATION"), "{m}");
    let m = message(
        create("seg-zero", &affinity)
            .num_results(0)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(m.contains("at least 1, got 0"), "{m}");
    let m = message(
        create("seg-filter", &affinity)
            .filter_arn(format!("{}-filter", chain.group))
            .send()
            .await
            .unwrap_err(),
    );
    assert!(m.contains("filterArn"), "{m}");
    let m = message(
        create("seg-path", &affinity)
            .job_output(
                BatchSegmentJobOutput::builder()
                    .s3_data_destination(s3("https://x/y"))
                    .build(),
            )
            .send()
            .await
            .unwrap_err(),
    );
    assert!(m.contains("must be an s3:// URL"), "{m}");

    // No HPO for the segment recipes (Item-Attribute-Affinity recipe page).
    let e = p
        .create_solution()
        .name("seg-hpo")
        .dataset_group_arn(&chain.group)
        .recipe_arn("arn:aws:personalize:::recipe/aws-item-attribute-affinity")
        .perform_hpo(true)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_input_exception(), "{e:?}");
    assert!(e.meta().message().unwrap().contains("USER_SEGMENTATION"));

    // ListBatchSegmentJobs by solution version.
    let listed = p
        .list_batch_segment_jobs()
        .solution_version_arn(&attribute)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .batch_segment_jobs()
        .iter()
        .map(|j| j.job_name().unwrap())
        .collect();
    assert_eq!(names, ["many", "genres"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_attribute_affinity_needs_item_metadata() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let group = dataset_group(p, "seg-bare").await;
    let (_, interactions) =
        dataset(p, &group, "seg-bare", "Interactions", INTERACTIONS_SCHEMA).await;
    import(p, &interactions, "seg-bare", "interactions.csv", Some(ROLE)).await;
    let (_, version) = solution_version(
        p,
        &group,
        "seg-bare",
        "arn:aws:personalize:::recipe/aws-item-attribute-affinity",
        None,
        None,
    )
    .await;
    assert_eq!(version.status(), Some("CREATE FAILED"));
    assert!(
        version
            .failure_reason()
            .unwrap()
            .contains("metadata column"),
        "{:?}",
        version.failure_reason()
    );
}

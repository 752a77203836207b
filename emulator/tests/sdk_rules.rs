//! Dependency rules, typed errors, failed imports, tags, pagination, recipes and campaign
//! updates, through the real aws-sdk-personalize client.

mod common;

use aws_sdk_personalize::error::ProvideErrorMetadata;
use aws_sdk_personalize::types::Tag;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependency_rules_and_typed_errors() {
    let f = Fixture::start("rules").await;
    let (c, chain) = (&f.c, &f.chain);
    let p = &c.control;

    let err = p
        .delete_dataset_group()
        .dataset_group_arn(&chain.group)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_resource_in_use_exception(),
        "{err:?}"
    );
    let err = p
        .delete_schema()
        .schema_arn(&chain.interactions_schema)
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_in_use_exception());
    let err = p
        .delete_solution()
        .solution_arn(&chain.solution)
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_in_use_exception());
    let err = p
        .create_event_tracker()
        .name("second")
        .dataset_group_arn(&chain.group)
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_already_exists_exception());
    let err = p
        .create_dataset()
        .name("again")
        .dataset_group_arn(&chain.group)
        .dataset_type("INTERACTIONS")
        .schema_arn(&chain.interactions_schema)
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_already_exists_exception());
    let err = p
        .create_dataset_group()
        .name("rules")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_already_exists_exception());
    let missing = chain.group.replace("rules", "missing");
    let err = p
        .describe_dataset_group()
        .dataset_group_arn(&missing)
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
    assert_eq!(
        err.as_service_error().unwrap().code(),
        Some("ResourceNotFoundException")
    );
    let err = p
        .create_solution()
        .name("bad-recipe")
        .dataset_group_arn(&chain.group)
        .recipe_arn("arn:aws:personalize:::recipe/aws-nonexistent")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_invalid_input_exception());
    let err = p
        .create_filter()
        .name("bad-filter")
        .dataset_group_arn(&chain.group)
        .filter_expression("EXCLUDE WHERE nonsense")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error().unwrap().is_invalid_input_exception(),
        "{err:?}"
    );
    let err = c
        .runtime
        .get_recommendations()
        .campaign_arn(&chain.campaign)
        .user_id("u1")
        .num_results(501)
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_invalid_input_exception());
    let err = c
        .runtime
        .get_recommendations()
        .campaign_arn(chain.campaign.replace("rules", "nope"))
        .user_id("u1")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_fails_the_import_with_line_and_column() {
    let root = data_root();
    std::fs::write(
        root.path().join("data/bad.csv"),
        "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu1,i1,100,watch\nu2,i2,yesterday,watch\n",
    )
    .unwrap();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let group = dataset_group(p, "imports").await;
    let (_, dataset) = dataset(p, &group, "i", "Interactions", INTERACTIONS_SCHEMA).await;
    for (name, key, want) in [
        ("bad", "bad.csv", "line 3, column TIMESTAMP"),
        ("gone", "nothing.csv", "nothing.csv"),
    ] {
        let job = import(p, &dataset, name, key, Some(ROLE)).await;
        assert_eq!(job.status.as_deref(), Some("CREATE FAILED"));
        let reason = job.failure_reason.unwrap();
        assert!(reason.contains(want), "{reason}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_pagination_and_recipes() {
    let root = data_root();
    let server = start_instant(root.path());
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let tag = |k: &str, v: &str| Tag::builder().tag_key(k).tag_value(v).build().unwrap();
    let group = p
        .create_dataset_group()
        .name("tagged")
        .tags(tag("team", "recs"))
        .send()
        .await
        .unwrap()
        .dataset_group_arn
        .unwrap();
    p.tag_resource()
        .resource_arn(&group)
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap();
    p.untag_resource()
        .resource_arn(&group)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = p
        .list_tags_for_resource()
        .resource_arn(&group)
        .send()
        .await
        .unwrap()
        .tags
        .unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].tag_key(), "env");
    let too_many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    let err = p
        .tag_resource()
        .resource_arn(&group)
        .set_tags(Some(too_many))
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_too_many_tags_exception());

    for i in 0..5 {
        p.create_schema()
            .name(format!("s{i}"))
            .schema(INTERACTIONS_SCHEMA)
            .send()
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = p
            .list_schemas()
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        names.extend(
            page.schemas
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.name.unwrap()),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    names.sort();
    assert_eq!(names, ["s0", "s1", "s2", "s3", "s4"]);

    let recipes = p.list_recipes().send().await.unwrap().recipes.unwrap();
    let arns: Vec<&str> = recipes.iter().filter_map(|r| r.recipe_arn()).collect();
    assert!(
        arns.contains(&"arn:aws:personalize:::recipe/aws-user-personalization"),
        "{arns:?}"
    );
    let recipe = p
        .describe_recipe()
        .recipe_arn("arn:aws:personalize:::recipe/aws-user-personalization")
        .send()
        .await
        .unwrap()
        .recipe
        .unwrap();
    assert_eq!(recipe.recipe_type(), Some("USER_PERSONALIZATION"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_update_switches_the_serving_version() {
    let f = Fixture::start("update").await;
    let (c, chain) = (&f.c, &f.chain);
    let p = &c.control;
    let v2 = p
        .create_solution_version()
        .solution_arn(&chain.solution)
        .send()
        .await
        .unwrap()
        .solution_version_arn
        .unwrap();
    assert_ne!(v2, chain.version);
    p.update_campaign()
        .campaign_arn(&chain.campaign)
        .solution_version_arn(&v2)
        .min_provisioned_tps(2)
        .send()
        .await
        .unwrap();
    let campaign = p
        .describe_campaign()
        .campaign_arn(&chain.campaign)
        .send()
        .await
        .unwrap()
        .campaign
        .unwrap();
    assert_eq!(campaign.status(), Some("ACTIVE"));
    assert_eq!(campaign.solution_version_arn(), Some(v2.as_str()));
    assert_eq!(campaign.min_provisioned_tps(), Some(2));
    let update = campaign.latest_campaign_update().unwrap();
    assert_eq!(update.status(), Some("ACTIVE"));
    assert_eq!(recommend(c, &chain.campaign, "u3", 5).await.len(), 5);
    let err = p
        .update_campaign()
        .campaign_arn(&chain.campaign)
        .solution_version_arn(
            chain
                .version
                .replace(chain.version.rsplit('/').next().unwrap(), "00000000"),
        )
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
    // UpdateDataset to a schema that fits.
    p.update_dataset()
        .dataset_arn(&chain.items)
        .schema_arn(&chain.items_schema)
        .send()
        .await
        .unwrap();
    let d = p
        .describe_dataset()
        .dataset_arn(&chain.items)
        .send()
        .await
        .unwrap()
        .dataset
        .unwrap();
    assert_eq!(d.status(), Some("ACTIVE"));
    assert_eq!(
        d.latest_dataset_update().and_then(|u| u.status()),
        Some("ACTIVE")
    );
    let users_only = p
        .create_schema()
        .name("users-only")
        .schema(r#"{"type":"record","name":"Users","fields":[{"name":"USER_ID","type":"string"}]}"#)
        .send()
        .await
        .unwrap()
        .schema_arn
        .unwrap();
    let err = p
        .update_dataset()
        .dataset_arn(&chain.items)
        .schema_arn(&users_only)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error().unwrap().is_invalid_input_exception(),
        "{err:?}"
    );
}

//! Behaviours AWS documents that an audit of the emulator found missing (issue 13), each
//! checked through the real aws-sdk-personalize clients and citing the AWS page it follows.

mod common;

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
        [chain.campaign.clone()]
    );
    assert_eq!(listed(Some(other.clone())).await, [other_campaign.clone()]);
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

//! What AWS fills in and answers beyond an echo of the request, through the real
//! aws-sdk-personalize client: the User-Personalization exploration defaults of a campaign,
//! the default automatic-training schedule of a solution, `SOLUTION/$LATEST` with
//! `syncWithLatestSolutionVersion` (the campaign follows each new ACTIVE version), and bad
//! forms of it refused.

mod common;

use aws_sdk_personalize::error::ProvideErrorMetadata;
use aws_sdk_personalize::types::CampaignConfig;
use common::*;

async fn campaign(
    p: &aws_sdk_personalize::Client,
    arn: &str,
) -> aws_sdk_personalize::types::Campaign {
    p.describe_campaign()
        .campaign_arn(arn)
        .send()
        .await
        .unwrap()
        .campaign
        .unwrap()
}

/// "explorationWeight ... The default is 0.3", "explorationItemAgeCutOff ... The default is
/// 30" (<https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html>).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_personalization_campaigns_report_the_exploration_defaults() {
    let f = Fixture::start("explore").await;
    let p = &f.c.control;
    let c = campaign(p, &f.chain.campaign).await;
    let e = c
        .campaign_config()
        .and_then(|c| c.item_exploration_config())
        .expect("defaults filled in");
    assert_eq!(e["explorationWeight"], "0.3");
    assert_eq!(e["explorationItemAgeCutOff"], "30");

    // A key given keeps its value; the missing one takes its default, on update too.
    p.update_campaign()
        .campaign_arn(&f.chain.campaign)
        .campaign_config(
            CampaignConfig::builder()
                .item_exploration_config("explorationWeight", "0.7")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let c = campaign(p, &f.chain.campaign).await;
    let e = c
        .campaign_config()
        .unwrap()
        .item_exploration_config()
        .unwrap();
    assert_eq!(e["explorationWeight"], "0.7");
    assert_eq!(e["explorationItemAgeCutOff"], "30");

    // Recipes without exploration get none.
    let (_, sims) = trained_version(
        p,
        &f.chain.group,
        "explore-sims",
        "arn:aws:personalize:::recipe/aws-sims",
    )
    .await;
    let arn = p
        .create_campaign()
        .name("explore-sims")
        .solution_version_arn(&sims)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let c = campaign(p, &arn).await;
    assert!(
        c.campaign_config()
            .and_then(|c| c.item_exploration_config())
            .is_none(),
        "{c:?}"
    );
}

/// AutoTrainingConfig: "The default is every 7 days"
/// (<https://docs.aws.amazon.com/personalize/latest/APIReference/API_AutoTrainingConfig.html>).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_training_reports_the_default_schedule() {
    let root = data_root();
    let server = start_instant(root.path());
    let p = Clients::new(server.endpoint()).control;
    let group = dataset_group(&p, "schedule").await;
    let schedule = |s: &aws_sdk_personalize::types::Solution| {
        s.solution_config()
            .and_then(|c| c.auto_training_config())
            .and_then(|a| a.scheduling_expression())
            .map(str::to_owned)
    };
    let describe = |arn: String| {
        let p = p.clone();
        async move {
            p.describe_solution()
                .solution_arn(arn)
                .send()
                .await
                .unwrap()
                .solution
                .unwrap()
        }
    };
    let create = |name: &'static str, auto: Option<bool>| {
        let (p, group) = (p.clone(), group.clone());
        async move {
            p.create_solution()
                .name(name)
                .dataset_group_arn(group)
                .recipe_arn("arn:aws:personalize:::recipe/aws-user-personalization")
                .set_perform_auto_training(auto)
                .send()
                .await
                .unwrap()
                .solution_arn
                .unwrap()
        }
    };
    let on = create("auto-default", None).await;
    assert_eq!(
        schedule(&describe(on).await).as_deref(),
        Some("rate(7 days)")
    );
    let off = create("auto-off", Some(false)).await;
    assert_eq!(schedule(&describe(off.clone()).await), None);
    // Turning it on later takes the default schedule too.
    p.update_solution()
        .solution_arn(&off)
        .perform_auto_training(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        schedule(&describe(off).await).as_deref(),
        Some("rate(7 days)")
    );
}

/// CampaignConfig.syncWithLatestSolutionVersion: "If you specify True, you must specify the ARN
/// of your solution for the SolutionVersionArn parameter. It must be in SolutionArn/$LATEST
/// format." (<https://docs.aws.amazon.com/personalize/latest/APIReference/API_CampaignConfig.html>)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latest_campaign_follows_each_new_active_version() {
    let f = Fixture::start("follow").await;
    let (c, chain) = (&f.c, &f.chain);
    let p = &c.control;
    let latest = format!("{}/$LATEST", chain.solution);
    let sync = CampaignConfig::builder()
        .sync_with_latest_solution_version(true)
        .build();

    // The sync flag with a concrete version is refused, naming the form wanted.
    let e = p
        .create_campaign()
        .name("latest-bad")
        .solution_version_arn(&chain.version)
        .campaign_config(sync.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidInputException"), "{e:?}");
    assert!(
        e.message().unwrap_or("").contains("SolutionArn/$LATEST"),
        "{e:?}"
    );

    let arn = p
        .create_campaign()
        .name("latest")
        .solution_version_arn(&latest)
        .campaign_config(sync)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let described = campaign(p, &arn).await;
    assert_eq!(described.status(), Some("ACTIVE"));
    assert_eq!(described.solution_version_arn(), Some(latest.as_str()));
    let served = |campaign: String| {
        let runtime = c.runtime.clone();
        async move {
            runtime
                .get_recommendations()
                .campaign_arn(campaign)
                .user_id("u1")
                .num_results(5)
                .send()
                .await
                .unwrap()
                .item_list()
                .len()
        }
    };
    assert_eq!(served(arn.clone()).await, 5);

    // A new version, once ACTIVE, is what `$LATEST` names (the campaign keeps the form and
    // serves the newest ACTIVE version on every request; the fixed campaign below shows which).
    let newer = p
        .create_solution_version()
        .solution_arn(&chain.solution)
        .send()
        .await
        .unwrap()
        .solution_version_arn
        .unwrap();
    assert_ne!(newer, chain.version);
    assert_eq!(served(arn.clone()).await, 5);

    // Without the flag, $LATEST deploys the newest ACTIVE version once and names it.
    let fixed = p
        .create_campaign()
        .name("latest-once")
        .solution_version_arn(&latest)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    assert_eq!(
        campaign(p, &fixed).await.solution_version_arn(),
        Some(newer.as_str())
    );

    // A solution without an ACTIVE version has nothing to deploy.
    let empty = p
        .create_solution()
        .name("latest-empty")
        .dataset_group_arn(&chain.group)
        .recipe_arn("arn:aws:personalize:::recipe/aws-user-personalization")
        .send()
        .await
        .unwrap()
        .solution_arn
        .unwrap();
    let e = p
        .create_campaign()
        .name("latest-none")
        .solution_version_arn(format!("{empty}/$LATEST"))
        .send()
        .await
        .unwrap_err();
    assert!(
        e.message()
            .unwrap_or("")
            .contains("has no ACTIVE solution version"),
        "{e:?}"
    );
}

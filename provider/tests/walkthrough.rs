//! The whole walkthrough in one configuration, through the real Terraform CLI against
//! personalize-local: apply from dataset group to campaign and event tracker, no change on the
//! next plan, a retrain through `triggers` that updates the campaign in place, then destroy
//! with nothing left in the emulator.

mod common;

use common::emulator;
use common::walkthrough::config;
use common::workdir;

#[test]
fn walkthrough_applies_retrains_in_place_and_destroys_cleanly() {
    let emu = emulator::shared();
    let w = workdir(&config(emu.endpoint(), "1"));
    w.ok(&["apply", "-auto-approve", "-no-color"]);

    let (code, plan) = w.plan_exit_code();
    assert_eq!(code, 0, "second plan must show no change:\n{plan}");

    let campaign = w
        .resource("personalize_campaign.c")
        .expect("campaign in state");
    assert_eq!(campaign["status"], "ACTIVE");
    let first_version = w.resource("personalize_solution_version.v").unwrap();
    assert_eq!(first_version["status"], "ACTIVE");
    assert!(
        first_version["metrics"]["coverage"].as_f64().is_some(),
        "metrics: {}",
        first_version["metrics"]
    );
    let tracker = w.resource("personalize_event_tracker.t").unwrap();
    assert!(!tracker["tracking_id"]
        .as_str()
        .unwrap_or_default()
        .is_empty());
    // The data source reads the same tracking ID back by ARN.
    let outputs: serde_json::Value =
        serde_json::from_str(&w.ok(&["output", "-json"])).expect("outputs as JSON");
    assert_eq!(outputs["tracking_id_read"]["value"], tracker["tracking_id"]);

    // Retrain: a new version replaces the old one, the campaign follows in place.
    w.write(&config(emu.endpoint(), "2"));
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(
        plan.contains("personalize_solution_version.v must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("personalize_campaign.c will be updated in-place"),
        "{plan}"
    );
    assert!(
        plan.contains("1 to add, 1 to change, 1 to destroy"),
        "{plan}"
    );
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let second_version = w.resource("personalize_solution_version.v").unwrap();
    assert_ne!(second_version["arn"], first_version["arn"]);
    let campaign_after = w.resource("personalize_campaign.c").unwrap();
    assert_eq!(campaign_after["arn"], campaign["arn"], "campaign kept");
    assert_eq!(
        campaign_after["solution_version_arn"],
        second_version["arn"]
    );
    assert_eq!(w.plan_exit_code().0, 0);

    // The emulator serves the new version too.
    let c = emu.client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let described = rt
        .block_on(
            c.describe_campaign()
                .campaign_arn(campaign["arn"].as_str().unwrap())
                .send(),
        )
        .unwrap();
    assert_eq!(
        described.campaign().unwrap().solution_version_arn(),
        second_version["arn"].as_str()
    );

    w.ok(&["destroy", "-auto-approve", "-no-color"]);
    rt.block_on(async {
        let groups = c.list_dataset_groups().send().await.unwrap();
        let left: Vec<_> = groups
            .dataset_groups()
            .iter()
            .filter(|g| g.name() == Some("walk"))
            .collect();
        assert!(left.is_empty(), "dataset group left: {left:?}");
        assert!(c
            .list_campaigns()
            .send()
            .await
            .unwrap()
            .campaigns()
            .iter()
            .all(|x| x.name() != Some("walk-campaign")));
        assert!(c
            .list_schemas()
            .send()
            .await
            .unwrap()
            .schemas()
            .iter()
            .all(|x| x.name() != Some("walk-interactions")));
        assert!(c
            .list_solutions()
            .send()
            .await
            .unwrap()
            .solutions()
            .iter()
            .all(|x| x.name() != Some("walk-solution")));
        assert!(c
            .list_event_trackers()
            .send()
            .await
            .unwrap()
            .event_trackers()
            .iter()
            .all(|x| x.name() != Some("walk-tracker")));
        assert!(c
            .list_filters()
            .send()
            .await
            .unwrap()
            .filters()
            .iter()
            .all(|x| x.name() != Some("walk-no-repeats")));
    });
}

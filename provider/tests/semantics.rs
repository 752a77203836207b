//! What Terraform promises when configuration shrinks or the world drifts, through the Terraform
//! CLI against personalize-local: removing an optional argument or block plans what AWS falls
//! back to (its default, or a replacement where the API cannot update), a change made behind
//! Terraform's back shows in the next plan, blocks the configuration leaves out included, and
//! the defaults AWS fills in never show as a change.

mod common;

use aws_sdk_personalize::types::{CampaignConfig, SolutionUpdateConfig};
use common::emulator::{self, Emulator};
use common::walkthrough::data_chain;
use common::{block_on, header, workdir, Workdir};

/// Terraform's output with every run of whitespace as one space: it wraps diagnostics.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A working directory whose configuration is the data chain under `prefix` plus `rest`.
struct Steps<'a> {
    w: Workdir,
    emu: &'a Emulator,
    prefix: &'a str,
}

impl<'a> Steps<'a> {
    fn new(emu: &'a Emulator, prefix: &'a str, rest: &str) -> Self {
        let w = workdir(&Self::config(emu, prefix, rest));
        Self { w, emu, prefix }
    }

    fn config(emu: &Emulator, prefix: &str, rest: &str) -> String {
        format!(
            "{}{}\n{}",
            header(Some(emu.endpoint())),
            data_chain(prefix),
            rest.replace("PREFIX", prefix)
        )
    }

    fn write(&self, rest: &str) {
        self.w.write(&Self::config(self.emu, self.prefix, rest));
    }

    fn apply(&self) {
        self.w.ok(&["apply", "-auto-approve", "-no-color"]);
    }

    /// Asserts the next plan is empty.
    fn no_change(&self, after: &str) {
        let (code, plan) = self.w.plan_exit_code();
        assert_eq!(code, 0, "no change expected after {after}:\n{plan}");
    }

    /// The plan, asserting it has changes and, for every `wanted` entry, one line holding all
    /// of its `|`-separated parts (Terraform aligns `=` signs, so spacing is not compared).
    fn plan_has(&self, wanted: &[&str]) -> String {
        let (code, plan) = self.w.plan_exit_code();
        assert_eq!(code, 2, "a change expected:\n{plan}");
        for entry in wanted {
            let parts: Vec<&str> = entry.split('|').collect();
            assert!(
                plan.lines().any(|l| parts.iter().all(|p| l.contains(p))),
                "expected a line with {parts:?} in:\n{plan}"
            );
        }
        plan
    }
}

const SOLUTION_AND_VERSION: &str = r#"
resource "personalize_solution" "s" {
  name                  = "PREFIX-solution"
  dataset_group_arn     = personalize_dataset_group.g.arn
  recipe_arn            = "arn:aws:personalize:::recipe/aws-user-personalization"
  perform_auto_training = false
  depends_on            = [personalize_dataset_import_job.interactions]
}

resource "personalize_solution_version" "v" {
  solution_arn = personalize_solution.s.arn
}
"#;

fn campaign(body: &str) -> String {
    format!(
        "{SOLUTION_AND_VERSION}\nresource \"personalize_campaign\" \"c\" {{\n  name                 = \"PREFIX-campaign\"\n  solution_version_arn = personalize_solution_version.v.arn\n{body}}}\n"
    )
}

fn describe_campaign(emu: &Emulator, arn: &str) -> aws_sdk_personalize::types::Campaign {
    block_on(emu.client().describe_campaign().campaign_arn(arn).send())
        .unwrap()
        .campaign
        .unwrap()
}

#[test]
fn removing_campaign_arguments_and_blocks_reverts_them() {
    let emu = emulator::shared();
    let full = campaign(
        "  min_provisioned_tps = 2\n  campaign_config {\n    item_exploration_config = { explorationWeight = \"0.5\", explorationItemAgeCutOff = \"10\" }\n    enable_metadata_with_recommendations = true\n    ranking_influence = { POPULARITY = 0.2 }\n  }\n",
    );
    let t = Steps::new(emu, "rmc", &full);
    t.apply();
    t.no_change("create");
    let arn = t.w.resource("personalize_campaign.c").unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_owned();

    // min_provisioned_tps: AWS's default is 1.
    t.write(&campaign(
        "  campaign_config {\n    item_exploration_config = { explorationWeight = \"0.5\", explorationItemAgeCutOff = \"10\" }\n    enable_metadata_with_recommendations = true\n    ranking_influence = { POPULARITY = 0.2 }\n  }\n",
    ));
    t.plan_has(&[
        "~ min_provisioned_tps|= 2 -> 1",
        "0 to add, 1 to change, 0 to destroy",
    ]);
    t.apply();
    assert_eq!(describe_campaign(emu, &arn).min_provisioned_tps(), Some(1));
    t.no_change("removing min_provisioned_tps");

    // campaign_config.enable_metadata_with_recommendations and ranking_influence: false, none.
    t.write(&campaign(
        "  campaign_config {\n    item_exploration_config = { explorationWeight = \"0.5\", explorationItemAgeCutOff = \"10\" }\n  }\n",
    ));
    t.plan_has(&[
        "~ enable_metadata_with_recommendations|= true -> false",
        "- ranking_influence|= {",
        "- \"POPULARITY\" = 0.2",
    ]);
    t.apply();
    let cfg = describe_campaign(emu, &arn).campaign_config.unwrap();
    assert_eq!(cfg.enable_metadata_with_recommendations(), Some(false));
    assert!(
        cfg.ranking_influence()
            .is_none_or(|m| m.values().all(|w| *w == 0.0)),
        "{cfg:?}"
    );
    t.no_change("removing members of campaign_config");

    // campaign_config.item_exploration_config: AWS fills its defaults back in, and the block,
    // holding nothing but defaults, reads as absent.
    t.write(&campaign("  campaign_config {\n  }\n"));
    t.plan_has(&["explorationWeight", "0 to add, 1 to change, 0 to destroy"]);
    t.apply();
    let cfg = describe_campaign(emu, &arn).campaign_config.unwrap();
    let exploration = cfg.item_exploration_config().unwrap();
    assert_eq!(exploration["explorationWeight"], "0.3", "{cfg:?}");
    assert_eq!(exploration["explorationItemAgeCutOff"], "30", "{cfg:?}");
    t.no_change("removing item_exploration_config");

    // The whole block: an explicit reset is sent, and it reads back as removed.
    t.write(&campaign(
        "  campaign_config {\n    enable_metadata_with_recommendations = true\n    item_exploration_config = { explorationWeight = \"0.9\" }\n  }\n",
    ));
    t.apply();
    t.no_change("setting campaign_config again");
    t.write(&campaign(""));
    t.plan_has(&["- campaign_config {", "0 to add, 1 to change, 0 to destroy"]);
    t.apply();
    let cfg = describe_campaign(emu, &arn).campaign_config.unwrap();
    assert_eq!(cfg.enable_metadata_with_recommendations(), Some(false));
    assert_eq!(
        cfg.item_exploration_config().unwrap()["explorationWeight"],
        "0.3"
    );
    let state = t.w.resource("personalize_campaign.c").unwrap();
    assert_eq!(state["campaign_config"], serde_json::json!([]), "{state}");
    t.no_change("removing campaign_config");

    // Drift, with the configuration setting neither: TPS and the whole campaign_config block.
    block_on(
        emu.client()
            .update_campaign()
            .campaign_arn(&arn)
            .min_provisioned_tps(5)
            .campaign_config(
                CampaignConfig::builder()
                    .enable_metadata_with_recommendations(true)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    t.plan_has(&[
        "~ min_provisioned_tps|= 5 -> 1",
        "- campaign_config {",
        "- enable_metadata_with_recommendations|= true -> null",
    ]);
    t.apply();
    let c = describe_campaign(emu, &arn);
    assert_eq!(c.min_provisioned_tps(), Some(1));
    assert_eq!(
        c.campaign_config()
            .unwrap()
            .enable_metadata_with_recommendations(),
        Some(false)
    );
    t.no_change("reverting drift");
    t.w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

fn solution(body: &str) -> String {
    format!(
        "resource \"personalize_solution\" \"s\" {{\n  name              = \"PREFIX-solution\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  recipe_arn        = \"arn:aws:personalize:::recipe/aws-user-personalization\"\n{body}}}\n"
    )
}

#[test]
fn removing_solution_arguments_reverts_or_replaces_and_drift_shows() {
    let emu = emulator::shared();
    let t = Steps::new(
        emu,
        "rms",
        &solution(
            "  perform_auto_training      = false\n  perform_incremental_update = true\n  solution_config {\n    auto_training_config {\n      scheduling_expression = \"rate(3 days)\"\n    }\n  }\n",
        ),
    );
    t.apply();
    t.no_change("create");
    let arn = t.w.resource("personalize_solution.s").unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let describe = || {
        block_on(emu.client().describe_solution().solution_arn(&arn).send())
            .unwrap()
            .solution
            .unwrap()
    };

    // perform_auto_training (AWS default true), perform_incremental_update (default false)
    // and the schedule (AWS default every 7 days) change back in place.
    t.write(&solution(""));
    t.plan_has(&[
        "~ perform_auto_training|= false -> true",
        "~ perform_incremental_update|= true -> false",
        "- solution_config {",
        "0 to add, 1 to change, 0 to destroy",
    ]);
    t.apply();
    let s = describe();
    assert_eq!(s.perform_auto_training(), Some(true));
    assert_eq!(s.perform_incremental_update(), Some(false));
    assert_eq!(
        s.solution_config()
            .and_then(|c| c.auto_training_config())
            .and_then(|a| a.scheduling_expression()),
        Some("rate(7 days)"),
        "{s:?}"
    );
    t.no_change("removing the in-place arguments");

    // Drift of the schedule and the flag, with the configuration setting neither.
    block_on(
        emu.client()
            .update_solution()
            .solution_arn(&arn)
            .perform_auto_training(false)
            .solution_update_config(
                SolutionUpdateConfig::builder()
                    .auto_training_config(
                        aws_sdk_personalize::types::AutoTrainingConfig::builder()
                            .scheduling_expression("rate(2 days)")
                            .build(),
                    )
                    .build(),
            )
            .send(),
    )
    .unwrap();
    t.plan_has(&[
        "~ perform_auto_training|= false -> true",
        "- scheduling_expression|= \"rate(2 days)\" -> null",
    ]);
    t.apply();
    let s = describe();
    assert_eq!(s.perform_auto_training(), Some(true));
    assert_eq!(
        s.solution_config()
            .and_then(|c| c.auto_training_config())
            .and_then(|a| a.scheduling_expression()),
        Some("rate(7 days)")
    );
    t.no_change("reverting drift");

    // Arguments CreateSolution alone takes: removing them replaces the solution.
    t.write(&solution(
        "  perform_hpo = true\n  solution_config {\n    algorithm_hyper_parameters = { hidden_dimension = \"64\" }\n  }\n",
    ));
    t.apply();
    t.no_change("perform_hpo and hyperparameters");
    t.write(&solution(""));
    t.plan_has(&[
        "~ perform_hpo|= true -> false # forces replacement",
        "must be replaced",
    ]);
    t.write(&solution("  perform_hpo = true\n"));
    t.plan_has(&["algorithm_hyper_parameters", "# forces replacement"]);
    t.apply();
    t.no_change("removing algorithm_hyper_parameters");
    assert!(describe()
        .solution_config()
        .and_then(|c| c.algorithm_hyper_parameters())
        .is_none_or(|h| !h.contains_key("hidden_dimension")));
    t.w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn removing_perform_auto_ml_or_training_mode_replaces_with_the_default() {
    let emu = emulator::shared();
    let auto_ml = "resource \"personalize_solution\" \"a\" {\n  name                  = \"PREFIX-auto\"\n  dataset_group_arn     = personalize_dataset_group.g.arn\n  perform_auto_training = false\n  perform_auto_ml       = true\n  solution_config {\n    auto_ml_config {\n      metric_name = \"precision_at_25\"\n      recipe_list = [\"arn:aws:personalize:::recipe/aws-user-personalization\", \"arn:aws:personalize:::recipe/aws-user-personalization-v2\"]\n    }\n  }\n}\n";
    // An incremental version on top of the full one (AWS: UPDATE needs an ACTIVE FULL version).
    let update = "resource \"personalize_solution_version\" \"u\" {\n  solution_arn  = personalize_solution.s.arn\n  training_mode = \"UPDATE\"\n  depends_on    = [personalize_solution_version.v]\n}\n";
    let t = Steps::new(
        emu,
        "rma",
        &format!("{SOLUTION_AND_VERSION}{auto_ml}{update}"),
    );
    t.apply();
    t.no_change("create");
    let state = |address: &str| t.w.resource(address).unwrap();
    let update_arn = state("personalize_solution_version.u")["arn"].clone();
    assert_eq!(
        state("personalize_solution_version.u")["training_mode"],
        "UPDATE"
    );

    // perform_auto_ml (AWS default false) is CreateSolution-only: removing it, with the recipe
    // it needs then, replaces the solution. training_mode (default FULL) replaces the version.
    let manual = auto_ml
        .replace("  perform_auto_ml       = true\n", "  recipe_arn            = \"arn:aws:personalize:::recipe/aws-user-personalization\"\n")
        .replace("  solution_config {\n    auto_ml_config {\n      metric_name = \"precision_at_25\"\n      recipe_list = [\"arn:aws:personalize:::recipe/aws-user-personalization\", \"arn:aws:personalize:::recipe/aws-user-personalization-v2\"]\n    }\n  }\n", "");
    let full = update.replace("  training_mode = \"UPDATE\"\n", "");
    t.write(&format!("{SOLUTION_AND_VERSION}{manual}{full}"));
    t.plan_has(&[
        "~ perform_auto_ml|= true -> false # forces replacement",
        "~ training_mode|= \"UPDATE\" -> \"FULL\" # forces replacement",
        "2 to add, 0 to change, 2 to destroy",
    ]);
    t.apply();
    t.no_change("removing perform_auto_ml and training_mode");
    let solution_arn = state("personalize_solution.a")["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = block_on(
        emu.client()
            .describe_solution()
            .solution_arn(&solution_arn)
            .send(),
    )
    .unwrap()
    .solution
    .unwrap();
    assert!(!s.perform_auto_ml(), "{s:?}");
    let version = state("personalize_solution_version.u");
    assert_ne!(version["arn"], update_arn);
    let v = block_on(
        emu.client()
            .describe_solution_version()
            .solution_version_arn(version["arn"].as_str().unwrap())
            .send(),
    )
    .unwrap()
    .solution_version
    .unwrap();
    assert_eq!(v.training_mode().map(|m| m.as_str()), Some("FULL"));
    t.w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn import_jobs_are_single_use_and_removing_import_mode_replaces() {
    let emu = emulator::shared();
    let incremental = |job: &str, location: &str, mode: &str| {
        let chain = data_chain("sun")
            .replace("\"sun-import\"", &format!("\"{job}\""))
            .replace("s3://data/interactions.csv", location)
            .replace(
                "  role_arn      = \"arn:aws:iam::123456789012:role/personalize\"\n}",
                &format!(
                    "  role_arn      = \"arn:aws:iam::123456789012:role/personalize\"\n{mode}}}"
                ),
            );
        format!("{}{chain}", header(Some(emu.endpoint())))
    };
    let mode = "  import_mode   = \"INCREMENTAL\"\n";
    let t = Steps::new(emu, "sun", "");
    t.w.write(&incremental(
        "sun-import",
        "s3://data/interactions.csv",
        mode,
    ));
    t.apply();
    t.no_change("create");

    // Keeping job_name through a replacement would fail at apply: refused at plan.
    t.w.write(&incremental("sun-import", "s3://data/other.csv", mode));
    let out = t.w.fails(&["plan", "-no-color"]);
    let out = squash(&out);
    assert!(
        out.contains("job_name must change when the Dataset Import Job is replaced"),
        "{out}"
    );
    assert!(out.contains("changing data_location replaces"), "{out}");
    assert!(out.contains("ResourceAlreadyExistsException"), "{out}");
    t.w.write(&incremental("sun-import", "s3://data/interactions.csv", ""));
    let out = t.w.fails(&["plan", "-no-color"]);
    let out = squash(&out);
    assert!(out.contains("changing import_mode replaces"), "{out}");

    // With a new job_name: removing import_mode plans AWS's default, FULL, by replacement.
    t.w.write(&incremental(
        "sun-import-2",
        "s3://data/interactions.csv",
        "",
    ));
    t.plan_has(&[
        "import_mode|\"INCREMENTAL\" -> \"FULL\" # forces replacement",
        "1 to add, 0 to change, 1 to destroy",
    ]);
    t.apply();
    t.no_change("replacing the job");
    t.w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn export_jobs_rerun_on_triggers_with_a_new_name_and_removing_ingestion_mode_replaces() {
    let emu = emulator::shared();
    let export = |job: &str, run: &str, mode: &str| {
        format!(
            "resource \"personalize_dataset_export_job\" \"x\" {{\n  job_name    = \"{job}\"\n  dataset_arn = personalize_dataset.interactions.arn\n  output_path = \"s3://data/exports/PREFIX/\"\n  role_arn    = \"arn:aws:iam::123456789012:role/personalize\"\n  triggers    = {{ run = \"{run}\" }}\n{mode}  depends_on  = [personalize_dataset_import_job.interactions]\n}}\n"
        )
    };
    let bulk = "  ingestion_mode = \"BULK\"\n";
    let t = Steps::new(emu, "sex", &export("sex-1", "1", bulk));
    t.apply();
    t.no_change("create");

    // A new trigger runs a new job, which needs a new job_name: refused at plan otherwise.
    t.write(&export("sex-1", "2", bulk));
    let out = squash(&t.w.fails(&["plan", "-no-color"]));
    assert!(
        out.contains("job_name must change when the Dataset Export Job is replaced"),
        "{out}"
    );
    assert!(out.contains("changing triggers replaces"), "{out}");
    t.write(&export("sex-2", "2", bulk));
    t.plan_has(&[
        "triggers|forces replacement",
        "1 to add, 0 to change, 1 to destroy",
    ]);
    t.apply();
    t.no_change("a new run");

    // Removing ingestion_mode plans AWS's default, PUT (API reference,
    // CreateDatasetExportJob: "The default value is PUT"), by replacement.
    t.write(&export("sex-3", "2", ""));
    t.plan_has(&["ingestion_mode|\"BULK\" -> \"PUT\" # forces replacement"]);
    t.apply();
    t.no_change("replacing the job");
    let jobs = block_on(
        emu.client()
            .list_dataset_export_jobs()
            .dataset_arn(
                t.w.resource("personalize_dataset.interactions").unwrap()["arn"]
                    .as_str()
                    .unwrap(),
            )
            .send(),
    )
    .unwrap();
    // Destroy forgets a job, Personalize keeps it: all three runs are listed.
    let mut names: Vec<&str> = jobs
        .dataset_export_jobs()
        .iter()
        .filter_map(|j| j.job_name())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["sex-1", "sex-2", "sex-3"]);
    t.w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

/// Every attribute but `timeouts`, which only Terraform keeps, as ImportStateVerify compares
/// them.
fn verified(values: &serde_json::Value) -> serde_json::Value {
    let mut v = values.clone();
    v.as_object_mut().unwrap().remove("timeouts");
    v
}

#[test]
fn import_is_lossless_for_every_resource_and_refuses_other_types() {
    let emu = emulator::shared();
    let rest = format!(
        "{}\nresource \"personalize_event_tracker\" \"t\" {{\n  name              = \"PREFIX-tracker\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  depends_on        = [personalize_dataset.interactions]\n}}\nresource \"personalize_filter\" \"f\" {{\n  name              = \"PREFIX-filter\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  filter_expression = \"EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\\\"watch\\\")\"\n  depends_on        = [personalize_dataset.interactions]\n}}\n{}",
        // The import job publishes to the attribution's S3 path, so it needs one first.
        "resource \"personalize_metric_attribution\" \"m\" {\n  name              = \"PREFIX-metrics\"\n  dataset_group_arn = personalize_dataset_group.g.arn\n  metrics {\n    metric_name = \"WATCHES\"\n    event_type  = \"watch\"\n    expression  = \"SAMPLECOUNT()\"\n  }\n  metrics {\n    metric_name = \"LATEST\"\n    event_type  = \"watch\"\n    expression  = \"SUM(Interactions.TIMESTAMP)\"\n  }\n  metrics_output_config {\n    s3_path  = \"s3://data/PREFIX/metrics\"\n    role_arn = \"arn:aws:iam::123456789012:role/personalize\"\n  }\n  depends_on = [personalize_dataset.interactions]\n}\nresource \"personalize_dataset_export_job\" \"e\" {\n  job_name    = \"PREFIX-export\"\n  dataset_arn = personalize_dataset.interactions.arn\n  output_path = \"s3://data/PREFIX/export/\"\n  role_arn    = \"arn:aws:iam::123456789012:role/personalize\"\n  triggers    = { import = personalize_dataset_import_job.interactions.arn }\n  tags        = { team = \"recs\" }\n}\n",
        campaign("  campaign_config {\n    enable_metadata_with_recommendations = true\n  }\n").replace(
            "resource \"personalize_solution_version\" \"v\" {\n  solution_arn = personalize_solution.s.arn\n}",
            "resource \"personalize_solution_version\" \"v\" {\n  solution_arn = personalize_solution.s.arn\n  triggers     = { import = personalize_dataset_import_job.interactions.arn }\n}\n\n# Triggers no tag can hold (a comma and quotes): kept in state only.\nresource \"personalize_solution_version\" \"w\" {\n  solution_arn = personalize_solution.s.arn\n  triggers     = { data = jsonencode({ rows = 2 }) }\n  depends_on   = [personalize_solution_version.v]\n}",
        )
    );
    let t = Steps::new(emu, "imp", &rest);
    let with_publish = Steps::config(emu, "imp", &rest).replace(
        "  role_arn      = \"arn:aws:iam::123456789012:role/personalize\"\n}",
        "  role_arn      = \"arn:aws:iam::123456789012:role/personalize\"\n  publish_attribution_metrics_to_s3 = true\n  depends_on = [personalize_metric_attribution.m]\n}",
    );
    t.w.write(&with_publish);
    t.apply();
    t.no_change("create");
    // ImportStateVerify compares with the refreshed state: the solution's computed
    // latest_solution_version is only read after the version that the same apply created.
    t.w.ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    let addresses = [
        "personalize_dataset_group.g",
        "personalize_schema.interactions",
        "personalize_dataset.interactions",
        "personalize_dataset_import_job.interactions",
        "personalize_solution.s",
        "personalize_solution_version.v",
        "personalize_campaign.c",
        "personalize_event_tracker.t",
        "personalize_filter.f",
        "personalize_metric_attribution.m",
        "personalize_dataset_export_job.e",
    ];
    let version_arn = t.w.resource("personalize_solution_version.v").unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let untaggable = t.w.resource("personalize_solution_version.w").unwrap();
    for address in addresses {
        let before = t.w.resource(address).unwrap();
        let arn = before["arn"].as_str().unwrap().to_owned();
        t.w.ok(&["state", "rm", address]);
        t.w.ok(&["import", "-no-color", address, &arn]);
        let after = t.w.resource(address).unwrap();
        assert_eq!(
            verified(&after),
            verified(&before),
            "{address} after import"
        );
    }
    // The version's triggers came back from the tags that keep them: nothing to do.
    t.no_change("importing every resource");

    // Triggers no tag can hold are adopted from the configuration in place: no retrain.
    let address = "personalize_solution_version.w";
    t.w.ok(&["state", "rm", address]);
    t.w.ok(&[
        "import",
        "-no-color",
        address,
        untaggable["arn"].as_str().unwrap(),
    ]);
    assert!(t.w.resource(address).unwrap()["triggers"].is_null());
    let plan = t.plan_has(&[
        "personalize_solution_version.w will be updated in-place",
        "0 to add, 1 to change, 0 to destroy",
    ]);
    assert!(!plan.contains("must be replaced"), "{plan}");
    t.apply();
    assert_eq!(
        verified(&t.w.resource(address).unwrap()),
        verified(&untaggable)
    );
    t.no_change("adopting the triggers");

    // An import block reads the triggers back the same way.
    t.w.ok(&["state", "rm", "personalize_solution_version.v"]);
    t.w.write(&format!(
        "{with_publish}\nimport {{\n  to = personalize_solution_version.v\n  id = \"{version_arn}\"\n}}\n"
    ));
    t.plan_has(&["1 to import, 0 to add, 0 to change, 0 to destroy"]);
    t.apply();
    t.no_change("an import block");

    // The ARN of another resource type is refused, naming the form expected.
    t.w.ok(&["state", "rm", "personalize_campaign.c"]);
    t.w.write(&with_publish);
    let out = t.w.fails(&[
        "import",
        "-no-color",
        "personalize_campaign.c",
        &version_arn,
    ]);
    let out = squash(&out);
    assert!(
        out.contains(&format!("{version_arn} is not the ARN of a Campaign")),
        "{out}"
    );
    assert!(out.contains("ACCOUNT:campaign/NAME"), "{out}");
    let solution_arn = version_arn.rsplit_once('/').unwrap().0;
    let out = t.w.fails(&[
        "import",
        "-no-color",
        "personalize_solution_version.v",
        solution_arn,
    ]);
    let out = squash(&out);
    assert!(
        out.contains("is not the ARN of a Solution Version"),
        "{out}"
    );
    let campaign_arn = version_arn
        .split(":solution/")
        .next()
        .map(|head| format!("{head}:campaign/imp-campaign"))
        .unwrap();
    t.w.ok(&[
        "import",
        "-no-color",
        "personalize_campaign.c",
        &campaign_arn,
    ]);
    t.no_change("re-importing the campaign");
    t.w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn destroy_waits_out_an_import_and_stops_trainings_terraform_never_saw() {
    // Real stages, so an import job and a training are still running when destroy starts.
    let slow = emulator::start_with_delay(std::time::Duration::from_secs(4));
    let job_timeout = data_chain("dst").replace(
        "  role_arn      = \"arn:aws:iam::123456789012:role/personalize\"\n}",
        "  role_arn      = \"arn:aws:iam::123456789012:role/personalize\"\n  timeouts {\n    create = \"1s\"\n  }\n}",
    );
    let w = workdir(&format!("{}{job_timeout}", header(Some(slow.endpoint()))));
    let out = w.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(out.contains("waiting for Dataset Import Job"), "{out}");
    let job = w
        .resource("personalize_dataset_import_job.interactions")
        .unwrap();
    let c = slow.client();
    let status = block_on(
        c.describe_dataset_import_job()
            .dataset_import_job_arn(job["arn"].as_str().unwrap())
            .send(),
    )
    .unwrap()
    .dataset_import_job
    .unwrap()
    .status
    .unwrap();
    assert!(status.starts_with("CREATE "), "still importing: {status}");
    // The dataset goes only once the job has ended.
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(block_on(c.list_datasets().send())
        .unwrap()
        .datasets()
        .is_empty());

    // A training started behind Terraform's back (as automatic training does).
    let w = workdir(&format!(
        "{}{}\n{}",
        header(Some(slow.endpoint())),
        data_chain("dst"),
        solution("  perform_auto_training = false\n  depends_on = [personalize_dataset_import_job.interactions]\n")
            .replace("PREFIX", "dst")
    ));
    w.ok(&["apply", "-auto-approve", "-no-color"]);
    let solution_arn = w.resource("personalize_solution.s").unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let version = block_on(
        c.create_solution_version()
            .solution_arn(&solution_arn)
            .send(),
    )
    .unwrap()
    .solution_version_arn
    .unwrap();
    w.ok(&["destroy", "-auto-approve", "-no-color"]);
    let groups = block_on(c.list_dataset_groups().send()).unwrap();
    assert!(groups.dataset_groups().is_empty(), "{groups:?}");
    let gone = block_on(
        c.describe_solution_version()
            .solution_version_arn(&version)
            .send(),
    );
    assert!(
        gone.is_err(),
        "the stopped version goes with its solution: {gone:?}"
    );
}

#[test]
fn metric_attribution_drift_shows_and_the_apply_restores_it() {
    let emu = emulator::shared();
    let attribution = r#"
resource "personalize_metric_attribution" "m" {
  name              = "PREFIX-metrics"
  dataset_group_arn = personalize_dataset_group.g.arn
  metrics {
    metric_name = "WATCHES"
    event_type  = "watch"
    expression  = "SAMPLECOUNT()"
  }
  metrics_output_config {
    s3_path  = "s3://data/PREFIX/metrics"
    role_arn = "arn:aws:iam::123456789012:role/personalize"
  }
  depends_on = [personalize_dataset.interactions]
}
"#;
    let t = Steps::new(emu, "mad", attribution);
    t.apply();
    t.no_change("create");
    let arn = t.w.resource("personalize_metric_attribution.m").unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = emu.client();
    // Behind Terraform's back: WATCHES replaced by CLICKS, the reports moved.
    block_on(
        c.update_metric_attribution()
            .metric_attribution_arn(&arn)
            .remove_metrics("WATCHES")
            .add_metrics(
                aws_sdk_personalize::types::MetricAttribute::builder()
                    .metric_name("CLICKS")
                    .event_type("click")
                    .expression("SAMPLECOUNT()")
                    .build()
                    .unwrap(),
            )
            .metrics_output_config(
                aws_sdk_personalize::types::MetricAttributionOutput::builder()
                    .s3_data_destination(
                        aws_sdk_personalize::types::S3DataConfig::builder()
                            .path("s3://data/elsewhere")
                            .build()
                            .unwrap(),
                    )
                    .role_arn("arn:aws:iam::123456789012:role/personalize")
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .unwrap();
    t.plan_has(&[
        "personalize_metric_attribution.m will be updated in-place",
        "metric_name|\"CLICKS\"",
        "s3_path|\"s3://data/elsewhere\" -> \"s3://data/mad/metrics\"",
        "0 to add, 1 to change, 0 to destroy",
    ]);
    t.apply();
    t.no_change("restoring the attribution");
    let metrics = block_on(
        c.list_metric_attribution_metrics()
            .metric_attribution_arn(&arn)
            .send(),
    )
    .unwrap();
    let names: Vec<&str> = metrics.metrics().iter().map(|m| m.metric_name()).collect();
    assert_eq!(names, ["WATCHES"]);
    t.w.ok(&["destroy", "-auto-approve", "-no-color"]);
}

//! The `personalize` module through the real Terraform CLI and the locally built provider:
//! validated, then applied against personalize-local with the walkthrough's data (both imports,
//! training, campaign, tracker, filters), retrained in place, and destroyed; and with a v2
//! recipe's event weights, ranking influence and excluded columns, checked through the SDK and
//! changed in place.

use std::fs;
use std::path::Path;

use personalize_local::testing::TestServer;
use testkit::paths;
use testkit::terraform::{self, hcl_string};
use testkit::workdir::Workdir;

const BUCKET: &str = "walkthrough";

/// The filters and exploration settings of the example, as module inputs.
const FILTERS: &str = r#"  filters = {
    comedies = "INCLUDE ItemID WHERE Items.GENRE IN (\"Comedy\")"
    unseen   = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")"
  }
  item_exploration_config = {
    explorationWeight        = "0.3"
    explorationItemAgeCutOff = "30"
  }
"#;

/// The training and ranking settings a v2 recipe takes, as module inputs: the walkthrough's
/// watch weighted fully and click less, popularity nudging the ranking, the items' YEAR
/// (free-form ranges) kept out of training. `click` and `popularity` vary between applies.
///
/// The fractions are exact in binary (0.25, 0.5): Terraform sends any other fraction, such as
/// 0.3, as a decimal string, which the provider does not read as a number yet.
fn tuning(click: f64, popularity: f64) -> String {
    format!(
        r#"  recipe_arn = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
  event_parameters = {{
    watch = {{ weight = 1 }}
    click = {{ weight = {click} }}
  }}
  ranking_influence        = {{ POPULARITY = {popularity} }}
  excluded_dataset_columns = {{ ITEMS = ["YEAR"] }}
"#
    )
}

/// A Terraform working directory using the locally built provider.
fn workdir() -> Workdir {
    let provider = paths::workspace_bin("terraform-provider-personalize").unwrap();
    Workdir::new(provider.parent().unwrap())
        .unwrap()
        .without_color()
}

/// A root configuration calling the module with the walkthrough's files and `extra` inputs.
fn config(endpoint: &str, extra: &str) -> String {
    let module = paths::project_file("terraform/modules/personalize");
    format!(
        r#"terraform {{
  required_providers {{
    personalize = {{
      source = "{source}"
    }}
  }}
}}

provider "personalize" {{
  region = "us-east-1"
  endpoints {{
    personalize = "{endpoint}"
  }}
}}

module "personalize" {{
  source = {module}

  name_prefix = "movies"
  role_arn    = "arn:aws:iam::123456789012:role/movies-personalize"
  bucket_name = "{BUCKET}"
  interactions = {{
    key          = "import/interactions.csv"
    data_version = "v1"
  }}
  items = {{
    key          = "import/item-meta.csv"
    data_version = "v1"
  }}
{extra}
}}

output "all" {{
  value = module.personalize
}}
"#,
        source = terraform::PROVIDER_SOURCE,
        module = hcl_string(&module.display().to_string()),
    )
}

/// The walkthrough's files where the emulator's data root maps `s3://walkthrough/import/...`.
fn data_root(root: &Path) {
    let import = root.join(BUCKET).join("import");
    fs::create_dir_all(&import).unwrap();
    for (name, source) in [
        ("interactions.csv", "examples/movies/data/interactions.csv"),
        ("item-meta.csv", "examples/movies/data/item-meta.csv"),
    ] {
        std::os::unix::fs::symlink(paths::project_file(source), import.join(name)).unwrap();
    }
}

fn emulator() -> (TestServer, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    data_root(root.path());
    let server = TestServer::start(personalize_local::Config {
        instant: true,
        data_root: Some(root.path().to_path_buf()),
        ..Default::default()
    });
    (server, root)
}

#[test]
fn the_module_validates_and_refuses_bad_inputs_at_plan_time() {
    let (server, _root) = emulator();
    let work = workdir();
    work.write(&config(server.endpoint(), ""));
    work.ok(&["get"]);
    work.ok(&["validate"]);

    let with_event_type = format!("{}  event_type = \"watch\"", tuning(0.25, 0.25));
    for (extra, message) in [
        (
            "  training_mode = \"PARTIAL\"",
            "training_mode must be FULL or UPDATE",
        ),
        (
            "  min_provisioned_tps = 0",
            "min_provisioned_tps must be a whole number of at least 1",
        ),
        (
            "  recipe_arn = \"aws-user-personalization\"",
            "recipe_arn must be a Personalize recipe ARN",
        ),
        (
            "  filters = { \"bad name!\" = \"x\" }",
            "Filter names must be 1-31 letters",
        ),
        // Preconditions across inputs: the default recipe is v1.
        (
            "  event_parameters = { watch = { weight = 1 } }",
            "event_parameters needs a v2 recipe",
        ),
        (
            with_event_type.as_str(),
            "event_parameters replaces event_type and event_value_threshold",
        ),
    ] {
        let bad = config(server.endpoint(), extra);
        work.write(&bad);
        let out = work.fails(&["plan", "-input=false"]);
        // Terraform wraps long messages: compare with every run of whitespace as one space.
        let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(out.contains(message), "{extra}: {out}");
    }
}

#[test]
fn the_module_applies_retrains_in_place_and_destroys_against_personalize_local() {
    let (server, _root) = emulator();
    let work = workdir();
    work.write(&config(server.endpoint(), FILTERS));
    work.ok(&["get"]);
    work.ok(&["apply", "-auto-approve", "-input=false"]);

    let all = work.outputs()["all"]["value"].clone();
    let campaign = all["campaign_arn"].as_str().unwrap().to_owned();
    assert!(
        campaign.ends_with(":campaign/movies-campaign"),
        "{campaign}"
    );
    assert!(!all["tracking_id"].as_str().unwrap().is_empty());
    assert!(all["event_tracker_arn"]
        .as_str()
        .unwrap()
        .contains(":event-tracker/"));
    let filters = all["filter_arns"].as_object().unwrap();
    assert_eq!(filters.len(), 2);
    assert!(filters["comedies"]
        .as_str()
        .unwrap()
        .ends_with(":filter/movies-comedies"));
    for ty in ["Interactions", "Items"] {
        assert!(all["dataset_arns"][ty].is_string(), "{all}");
        assert!(all["import_job_arns"][ty].is_string(), "{all}");
    }
    let metrics = all["solution_version_metrics"].as_object().unwrap();
    assert!(!metrics.is_empty(), "training computed no metrics");
    let first_version = all["solution_version_arn"].as_str().unwrap().to_owned();

    // The campaign carries the exploration settings, checked behind Terraform's back.
    let described = runtime().block_on(async {
        let client =
            aws_sdk_personalize::Client::new(&sdk_config::local(server.endpoint(), "us-east-1"));
        client
            .describe_campaign()
            .campaign_arn(&campaign)
            .send()
            .await
            .unwrap()
    });
    let exploration = described
        .campaign()
        .and_then(|c| c.campaign_config())
        .and_then(|c| c.item_exploration_config())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        exploration.get("explorationWeight").map(String::as_str),
        Some("0.3")
    );

    // The campaign answers for the walkthrough's user.
    let items = recommendations(server.endpoint(), &campaign, "429");
    assert_eq!(items.len(), 25, "{items:?}");

    // Nothing drifts.
    assert_no_change(&work, "after the apply");

    // A deployment made before the module had domains holds the solution, its version and the
    // campaign at their old addresses: the module's moved blocks keep them.
    for resource in [
        "personalize_solution",
        "personalize_solution_version",
        "personalize_campaign",
    ] {
        work.ok(&[
            "state",
            "mv",
            &format!("module.personalize.{resource}.this[0]"),
            &format!("module.personalize.{resource}.this"),
        ]);
    }
    let plan = work.ok(&["plan", "-input=false"]);
    assert!(
        plan.contains("module.personalize.personalize_campaign.this has moved to module.personalize.personalize_campaign.this[0]"),
        "{plan}"
    );
    assert!(
        plan.contains("0 to add, 0 to change, 0 to destroy") || plan.contains("No changes"),
        "{plan}"
    );
    work.ok(&["apply", "-auto-approve", "-input=false"]);

    // A new trigger trains a new version, and the campaign moves to it in place.
    work.write(&config(
        server.endpoint(),
        &format!("{FILTERS}  retrain_trigger = \"2\""),
    ));
    let plan = work.ok(&["plan", "-input=false"]);
    assert!(
        plan.contains("module.personalize.personalize_campaign.this[0] will be updated in-place"),
        "{plan}"
    );
    assert!(
        !plan.contains("personalize_campaign.this[0] must be replaced"),
        "{plan}"
    );
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let all = work.outputs()["all"]["value"].clone();
    assert_eq!(all["campaign_arn"], campaign.as_str());
    assert_ne!(all["solution_version_arn"], first_version.as_str());

    // A new data version imports again and retrains.
    let next = config(
        server.endpoint(),
        &format!("{FILTERS}  retrain_trigger = \"2\""),
    )
    .replacen("data_version = \"v1\"", "data_version = \"v2\"", 1);
    work.write(&next);
    let plan = work.ok(&["plan", "-input=false"]);
    assert!(
        plan.contains("personalize_dataset_import_job.this[\"Interactions\"] must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("personalize_solution_version.this[0] must be replaced"),
        "{plan}"
    );

    work.ok(&["destroy", "-auto-approve", "-input=false"]);
    let groups = runtime().block_on(async {
        let client =
            aws_sdk_personalize::Client::new(&sdk_config::local(server.endpoint(), "us-east-1"));
        client.list_dataset_groups().send().await.unwrap()
    });
    assert!(groups.dataset_groups().is_empty(), "{groups:?}");
}

#[test]
fn event_weights_ranking_influence_and_excluded_columns_reach_personalize_and_change_in_place() {
    let (server, _root) = emulator();
    let work = workdir();
    work.write(&config(server.endpoint(), &tuning(0.25, 0.25)));
    work.ok(&["get"]);
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let all = work.outputs()["all"]["value"].clone();
    let solution = all["solution_arn"].as_str().unwrap().to_owned();
    let first_solution = solution.clone();
    let campaign = all["campaign_arn"].as_str().unwrap().to_owned();
    let first_version = all["solution_version_arn"].as_str().unwrap().to_owned();

    // Behind Terraform's back: the solution carries what the module was given, and automatic
    // training is off (the API default would train and bill a version every 7 days).
    let seen = described(server.endpoint(), &solution, &campaign);
    assert_eq!(seen.auto_training, Some(false));
    assert_eq!(
        seen.events,
        [
            ("click".to_owned(), Some(0.25)),
            ("watch".to_owned(), Some(1.0))
        ]
    );
    assert_eq!(
        seen.excluded,
        [("ITEMS".to_owned(), vec!["YEAR".to_owned()])]
    );
    assert_eq!(seen.popularity, Some(0.25));
    assert_eq!(seen.serving, first_version);
    assert_eq!(
        recommendations(server.endpoint(), &campaign, "429").len(),
        25
    );

    // Nothing drifts: maps of objects, numbers and lists read back as written.
    assert_no_change(&work, "after the apply");

    // New weights change the solution in place and train a version that uses them; a new
    // influence changes the campaign in place, which moves to that version.
    work.write(&config(server.endpoint(), &tuning(0.5, 0.5)));
    let plan = work.ok(&["plan", "-input=false"]);
    for expected in [
        "module.personalize.personalize_solution.this[0] will be updated in-place",
        "module.personalize.personalize_solution_version.this[0] must be replaced",
        "module.personalize.personalize_campaign.this[0] will be updated in-place",
    ] {
        assert!(plan.contains(expected), "no {expected:?} in:\n{plan}");
    }
    for kept in [
        "personalize_solution.this[0] must be replaced",
        "personalize_campaign.this[0] must be replaced",
    ] {
        assert!(!plan.contains(kept), "{plan}");
    }
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let all = work.outputs()["all"]["value"].clone();
    assert_eq!(all["solution_arn"], solution.as_str());
    assert_eq!(all["campaign_arn"], campaign.as_str());
    let seen = described(server.endpoint(), &solution, &campaign);
    assert_eq!(
        seen.events,
        [
            ("click".to_owned(), Some(0.5)),
            ("watch".to_owned(), Some(1.0))
        ]
    );
    assert_eq!(seen.popularity, Some(0.5));
    assert_ne!(seen.serving, first_version);
    assert_eq!(all["solution_version_arn"], seen.serving.as_str());
    assert_no_change(&work, "after the update");

    // Other excluded columns replace the solution, which is created before the old one goes
    // (its name carries a hash of such settings), and retrain; the campaign stays.
    work.write(
        &config(server.endpoint(), &tuning(0.5, 0.5))
            .replace(r#"ITEMS = ["YEAR"]"#, r#"ITEMS = ["GENRE"]"#),
    );
    let plan = work.ok(&["plan", "-input=false"]);
    assert!(
        plan.contains("module.personalize.personalize_solution.this[0] must be replaced"),
        "{plan}"
    );
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let all = work.outputs()["all"]["value"].clone();
    assert_eq!(all["campaign_arn"], campaign.as_str());
    let solution = all["solution_arn"].as_str().unwrap();
    let seen = described(server.endpoint(), solution, &campaign);
    assert_eq!(
        seen.excluded,
        [("ITEMS".to_owned(), vec!["GENRE".to_owned()])]
    );
    assert_eq!(all["solution_version_arn"], seen.serving.as_str());
    assert_ne!(solution, first_solution);
    // The old solution is gone once the campaign moved off it.
    let solutions: Vec<String> = runtime().block_on(async {
        let client =
            aws_sdk_personalize::Client::new(&sdk_config::local(server.endpoint(), "us-east-1"));
        let out = client.list_solutions().send().await.unwrap();
        out.solutions()
            .iter()
            .filter_map(|s| s.solution_arn().map(str::to_owned))
            .collect()
    });
    assert_eq!(solutions, [solution.to_owned()]);
}

/// What DescribeSolution and DescribeCampaign report of the settings the module passes.
#[derive(Debug)]
struct Described {
    auto_training: Option<bool>,
    /// Event type and weight, in the order Personalize lists them.
    events: Vec<(String, Option<f64>)>,
    /// Dataset type and excluded columns, sorted by type.
    excluded: Vec<(String, Vec<String>)>,
    popularity: Option<f64>,
    /// The solution version the campaign serves.
    serving: String,
}

fn described(endpoint: &str, solution: &str, campaign: &str) -> Described {
    runtime().block_on(async {
        let client = aws_sdk_personalize::Client::new(&sdk_config::local(endpoint, "us-east-1"));
        let solution = client
            .describe_solution()
            .solution_arn(solution)
            .send()
            .await
            .unwrap()
            .solution
            .unwrap();
        let campaign = client
            .describe_campaign()
            .campaign_arn(campaign)
            .send()
            .await
            .unwrap()
            .campaign
            .unwrap();
        let config = solution.solution_config();
        let events = config
            .and_then(|c| c.events_config())
            .map(|e| e.event_parameters_list())
            .unwrap_or_default()
            .iter()
            .map(|p| (p.event_type().unwrap_or_default().to_owned(), p.weight()))
            .collect();
        let mut excluded: Vec<(String, Vec<String>)> = config
            .and_then(|c| c.training_data_config())
            .and_then(|t| t.excluded_dataset_columns())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        excluded.sort();
        let popularity = campaign
            .campaign_config()
            .and_then(|c| c.ranking_influence())
            .and_then(|m| m.get(&aws_sdk_personalize::types::RankingInfluenceType::Popularity))
            .copied();
        Described {
            auto_training: solution.perform_auto_training(),
            events,
            excluded,
            popularity,
            serving: campaign
                .solution_version_arn()
                .unwrap_or_default()
                .to_owned(),
        }
    })
}

/// Changing a dataset's schema (a schema is immutable in Personalize) creates a new schema
/// beside the old one, moves the dataset to it in place (UpdateDataset), then deletes the old
/// one: nothing clashes on names, nothing else is replaced, no retraining.
#[test]
fn a_schema_change_moves_the_dataset_in_place() {
    let (server, _root) = emulator();
    let work = workdir();
    let with_items_schema = |year: &str| {
        let schema = format!(
            r#"{{"type":"record","name":"Items","namespace":"com.amazonaws.personalize.schema","fields":[{{"name":"ITEM_ID","type":"string"}},{{"name":"GENRE","type":["null","string"],"categorical":true}},{{"name":"YEAR","type":["null","string"]{year}}}],"version":"1.0"}}"#
        );
        config(server.endpoint(), "").replace(
            "    key          = \"import/item-meta.csv\"\n",
            &format!(
                "    key          = \"import/item-meta.csv\"\n    schema       = {}\n",
                hcl_string(&schema)
            ),
        )
    };
    work.write(&with_items_schema(r#","categorical":true"#));
    work.ok(&["get"]);
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let before = work.outputs()["all"]["value"].clone();

    work.write(&with_items_schema(""));
    let plan = work.ok(&["plan", "-no-color", "-input=false"]);
    assert!(
        plan.contains("1 to add, 1 to change, 1 to destroy"),
        "a new schema, the dataset in place, the old schema gone:\n{plan}"
    );
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let after = work.outputs()["all"]["value"].clone();
    for key in ["dataset_arns", "solution_version_arn", "campaign_arn"] {
        assert_eq!(after[key], before[key], "{key} kept");
    }
    assert_no_change(&work, "after the schema change");
    let schemas = runtime().block_on(async {
        let client =
            aws_sdk_personalize::Client::new(&sdk_config::local(server.endpoint(), "us-east-1"));
        let items = client
            .describe_dataset()
            .dataset_arn(after["dataset_arns"]["Items"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        let in_use = items.dataset().unwrap().schema_arn().unwrap().to_owned();
        let listed = client.list_schemas().send().await.unwrap();
        let names: Vec<String> = listed
            .schemas()
            .iter()
            .filter_map(|s| s.name().map(str::to_owned))
            .collect();
        (in_use, names)
    });
    assert_eq!(
        schemas.1.len(),
        2,
        "interactions and the new items schema: {:?}",
        schemas.1
    );
    assert!(
        schemas.1.iter().any(|n| schemas.0.ends_with(n.as_str())),
        "the dataset uses a listed schema: {schemas:?}"
    );
    work.ok(&["destroy", "-auto-approve", "-input=false"]);
}

/// The walkthrough's data in the VIDEO_ON_DEMAND format ([`testkit::movies_domain`]) where
/// the emulator's data root maps `s3://walkthrough/domain/...`.
fn domain_data(root: &Path) {
    testkit::movies_domain::convert_dir(
        &paths::project_file("examples/movies/data"),
        &root.join(BUCKET).join("domain"),
    )
    .unwrap();
}

/// The module with a domain: the domain's files, and `extra`.
fn domain_config(endpoint: &str, extra: &str) -> String {
    config(endpoint, extra)
        .replace("import/interactions.csv", "domain/interactions.csv")
        .replace("import/item-meta.csv", "domain/items.csv")
}

/// One metric: the count of Watch events, reported under `s3://BUCKET/metrics/`.
const METRIC_ATTRIBUTION: &str = "  metric_attribution = {\n    metrics = { WATCHES = { event_type = \"Watch\", expression = \"SAMPLECOUNT()\" } }\n    s3_path = \"s3://walkthrough/metrics/\"\n  }\n";

const VOD: &str = "  domain    = \"VIDEO_ON_DEMAND\"\n  use_cases = [\"top-picks\", \"because-you-watched-x\", \"more-like-x\"]\n";

/// A VIDEO_ON_DEMAND dataset group: the domain's default schemas, one recommender per use case
/// (output by use case), no solution and no campaign; the top picks answer for user 429; a
/// use case of another domain, use cases without a domain and a domain without use cases are
/// refused at plan time.
#[test]
fn a_domain_dataset_group_gets_one_recommender_per_use_case() {
    let (server, root) = emulator();
    domain_data(root.path());
    let work = workdir();
    work.write(&domain_config(server.endpoint(), ""));
    work.ok(&["get"]);
    for (extra, message) in [
        (
            "  domain    = \"VIDEO_ON_DEMAND\"\n  use_cases = [\"top-picks\", \"recommended-for-you\"]\n",
            "use_cases recommended-for-you not of the VIDEO_ON_DEMAND domain; its use cases are because-you-watched-x, more-like-x, most-popular, top-picks, trending-now",
        ),
        (
            "  use_cases = [\"top-picks\"]\n",
            "use_cases needs a domain (VIDEO_ON_DEMAND or ECOMMERCE)",
        ),
        (
            "  domain = \"ECOMMERCE\"\n",
            "a ECOMMERCE dataset group needs at least one use case in use_cases",
        ),
        (
            "  domain = \"RETAIL\"\n  use_cases = [\"top-picks\"]\n",
            "domain must be VIDEO_ON_DEMAND or ECOMMERCE",
        ),
        (
            "  domain = \"VIDEO_ON_DEMAND\"\n  use_cases = [\"top-pics\"]\n",
            "use_cases must be use case names",
        ),
        (
            "  metric_attribution = { metrics = { X = { event_type = \"Watch\", expression = \"AVG(Items.PRICE)\" } }, s3_path = \"s3://b/m/\" }\n",
            "metric_attribution expressions must be SAMPLECOUNT() or SUM(Interactions.COLUMN) / SUM(Items.COLUMN)",
        ),
        (
            "  metric_attribution = { metrics = {}, s3_path = \"s3://b/m/\" }\n",
            "metric_attribution.metrics must hold 1 to 10 metrics",
        ),
    ] {
        work.write(&domain_config(server.endpoint(), extra));
        let out = work.fails(&["plan", "-input=false"]);
        let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(out.contains(message), "{extra}: {out}");
    }

    work.write(&domain_config(
        server.endpoint(),
        &format!("{VOD}{METRIC_ATTRIBUTION}"),
    ));
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let all = work.outputs()["all"]["value"].clone();
    let recommenders = all["recommender_arns"].as_object().unwrap();
    assert_eq!(
        recommenders.keys().map(String::as_str).collect::<Vec<_>>(),
        ["because-you-watched-x", "more-like-x", "top-picks"]
    );
    let top_picks = recommenders["top-picks"].as_str().unwrap().to_owned();
    assert!(
        top_picks.ends_with(":recommender/movies-top-picks"),
        "{top_picks}"
    );
    assert!(
        all["campaign_arn"].is_null() && all["solution_arn"].is_null(),
        "{all}"
    );
    assert!(
        !all["recommender_metrics"]["top-picks"]
            .as_object()
            .unwrap()
            .is_empty(),
        "{all}"
    );
    assert!(!all["tracking_id"].as_str().unwrap().is_empty());

    let (domain, items, because) = runtime().block_on(async {
        let sdk = sdk_config::local(server.endpoint(), "us-east-1");
        let control = aws_sdk_personalize::Client::new(&sdk);
        let group = control
            .describe_dataset_group()
            .dataset_group_arn(all["dataset_group_arn"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        let runtime = aws_sdk_personalizeruntime::Client::new(&sdk);
        let top = runtime
            .get_recommendations()
            .recommender_arn(&top_picks)
            .user_id("429")
            .send()
            .await
            .unwrap();
        let because = runtime
            .get_recommendations()
            .recommender_arn(recommenders["because-you-watched-x"].as_str().unwrap())
            .user_id("429")
            .item_id("185")
            .num_results(10)
            .send()
            .await
            .unwrap();
        (
            group
                .dataset_group()
                .and_then(|g| g.domain())
                .map(|d| d.as_str().to_owned()),
            top.item_list().len(),
            because.item_list().len(),
        )
    });
    assert_eq!(domain.as_deref(), Some("VIDEO_ON_DEMAND"));
    // The metric attribution measures the group's Watch events.
    let attribution = all["metric_attribution_arn"].as_str().unwrap().to_owned();
    let metrics = runtime().block_on(async {
        let client =
            aws_sdk_personalize::Client::new(&sdk_config::local(server.endpoint(), "us-east-1"));
        client
            .list_metric_attribution_metrics()
            .metric_attribution_arn(&attribution)
            .send()
            .await
            .unwrap()
            .metrics()
            .iter()
            .map(|m| (m.metric_name().to_owned(), m.expression().to_owned()))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        metrics,
        [("WATCHES".to_owned(), "SAMPLECOUNT()".to_owned())]
    );
    assert_eq!((items, because), (25, 10));
    assert_no_change(&work, "after the domain apply");

    work.ok(&["destroy", "-auto-approve", "-input=false"]);
    let left = runtime().block_on(async {
        let client =
            aws_sdk_personalize::Client::new(&sdk_config::local(server.endpoint(), "us-east-1"));
        client
            .list_recommenders()
            .send()
            .await
            .unwrap()
            .recommenders()
            .len()
    });
    assert_eq!(left, 0, "recommenders left after destroy");
}

/// Encrypting the dataset group with a KMS key replaces it and everything inside it; the
/// import jobs' create_before_destroy extends to the group, so the new chain is built while
/// the old one still exists, and ends with one of each and the campaign kept.
#[test]
fn a_new_kms_key_rebuilds_the_chain_without_name_clashes() {
    let (server, _root) = emulator();
    let work = workdir();
    work.write(&config(server.endpoint(), FILTERS));
    work.ok(&["get"]);
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let before = work.outputs()["all"]["value"].clone();

    let kms = "  kms_key_arn = \"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\"\n";
    work.write(&config(server.endpoint(), &format!("{FILTERS}{kms}")));
    work.ok(&["apply", "-auto-approve", "-input=false"]);
    let after = work.outputs()["all"]["value"].clone();
    assert_ne!(after["dataset_group_arn"], before["dataset_group_arn"]);
    assert_eq!(
        after["campaign_arn"], before["campaign_arn"],
        "campaign kept"
    );
    assert_no_change(&work, "after the new key");
    let (groups, solutions) = runtime().block_on(async {
        let client =
            aws_sdk_personalize::Client::new(&sdk_config::local(server.endpoint(), "us-east-1"));
        let groups = client.list_dataset_groups().send().await.unwrap();
        let solutions = client.list_solutions().send().await.unwrap();
        (groups.dataset_groups().len(), solutions.solutions().len())
    });
    assert_eq!((groups, solutions), (1, 1), "the old chain is gone");
    work.ok(&["destroy", "-auto-approve", "-input=false"]);
}

/// A plan shows no change (`-detailed-exitcode` 0): what Terraform wrote reads back as is.
fn assert_no_change(work: &Workdir, when: &str) {
    let plan = work.run(&["plan", "-detailed-exitcode", "-input=false"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "the plan {when} is not empty:\n{}{}",
        String::from_utf8_lossy(&plan.stdout),
        String::from_utf8_lossy(&plan.stderr)
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn recommendations(endpoint: &str, campaign: &str, user: &str) -> Vec<String> {
    runtime().block_on(async {
        let client =
            aws_sdk_personalizeruntime::Client::new(&sdk_config::local(endpoint, "us-east-1"));
        let out = client
            .get_recommendations()
            .campaign_arn(campaign)
            .user_id(user)
            .send()
            .await
            .unwrap();
        out.item_list()
            .iter()
            .filter_map(|i| i.item_id().map(str::to_owned))
            .collect()
    })
}

#[test]
fn the_local_example_validates_with_the_module_and_the_local_provider() {
    // The example uses only our provider; validate it in place, with Terraform's data
    // directory (modules) kept out of the source tree.
    let tf = terraform::find().unwrap();
    let work = workdir();
    let example = paths::project_file("examples/local");
    for args in [&["get"][..], &["validate", "-no-color"]] {
        let out = tf
            .command(&example, work.cli_config())
            .env("TF_DATA_DIR", work.path().join("data"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "terraform {args:?} in examples/local:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

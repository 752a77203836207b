//! `personalize_solution`: a recipe and its configuration for a dataset group. Personalize's
//! UpdateSolution only changes automatic training, which this provider does not manage (the
//! `personalize_solution_version` resource trains), so every argument forces replacement.

use async_trait::async_trait;
use aws_sdk_personalize::types::SolutionConfig;

use super::common::{get_block, get_bool, get_str, not_found_is_none, times};
use crate::framework::error::AwsError;
use crate::framework::resource::Kind;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{b, list, map_of_strings, obj, opt_s, s, string_map, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct Solution;

fn solution_config_attrs() -> Vec<Attr> {
    vec![
        Attr::optional_computed(
            "event_value_threshold",
            Ty::String,
            "Train only on events whose `EVENT_VALUE` is at least this value.",
        )
        .check(|v| validate::max_len(v, 256)),
        Attr::optional_computed(
            "algorithm_hyper_parameters",
            Ty::MapString,
            "Hyperparameters of the recipe's algorithm.",
        ),
        Attr::optional_computed(
            "feature_transformation_parameters",
            Ty::MapString,
            "Parameters of the feature transformation.",
        ),
    ]
}

#[async_trait]
impl Kind for Solution {
    const DISPLAY: &'static str = "Solution";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(20));
    const UPDATES: bool = false;

    fn description() -> &'static str {
        "An Amazon Personalize solution: a recipe and its training configuration for a dataset group. Train it with `personalize_solution_version`."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the solution.")
                .force_new()
                .check(validate::name),
            Attr::required("dataset_group_arn", Ty::String, "ARN of the dataset group.")
                .force_new()
                .check(validate::personalize_arn),
            Attr::optional("recipe_arn", Ty::String, "ARN of the recipe (see the `personalize_recipe` data source); omit with `perform_auto_ml`.")
                .force_new()
                .check(validate::personalize_arn),
            Attr::optional("event_type", Ty::String, "Train only on interactions of this event type.")
                .force_new()
                .check(|v| validate::max_len(v, 256)),
            Attr::optional_computed("perform_hpo", Ty::Bool, "Run hyperparameter optimisation (default false).")
                .force_new()
                .default(b(false)),
            Attr::optional_computed("perform_auto_ml", Ty::Bool, "Let Personalize pick the recipe (default false).")
                .force_new()
                .default(b(false)),
            Attr::optional("solution_config", Ty::Block(solution_config_attrs()), "Training configuration.")
                .force_new(),
            status_attr(),
            tags_attr(),
        ];
        attrs.extend(common_computed("solution"));
        attrs
    }

    fn validate(config: &Obj, diags: &mut tf_provider::Diagnostics) {
        let auto_ml = config
            .get("perform_auto_ml")
            .and_then(crate::framework::value::DynExt::boolean);
        let recipe = config.get("recipe_arn").is_some_and(|v| !v.is_null());
        if auto_ml != Some(true)
            && !recipe
            && !config.get("recipe_arn").is_some_and(|v| v.is_unknown())
        {
            diags.error(
                "Missing recipe_arn",
                "set recipe_arn, or perform_auto_ml = true to let Personalize choose the recipe",
                tf_provider::AttributePath::new("recipe_arn"),
            );
        }
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let config = get_block(plan, "solution_config").map(|cfg| {
            let map = |k: &str| {
                let m = cfg.get(k).map(map_of_strings).unwrap_or_default();
                (!m.is_empty()).then(|| m.into_iter().collect())
            };
            SolutionConfig::builder()
                .set_event_value_threshold(get_str(cfg, "event_value_threshold"))
                .set_algorithm_hyper_parameters(map("algorithm_hyper_parameters"))
                .set_feature_transformation_parameters(map("feature_transformation_parameters"))
                .build()
        });
        let out = c
            .personalize
            .create_solution()
            .set_name(get_str(plan, "name"))
            .set_dataset_group_arn(get_str(plan, "dataset_group_arn"))
            .set_recipe_arn(get_str(plan, "recipe_arn"))
            .set_event_type(get_str(plan, "event_type"))
            .set_perform_hpo(get_bool(plan, "perform_hpo"))
            .set_perform_auto_ml(get_bool(plan, "perform_auto_ml"))
            .set_solution_config(config)
            .set_tags(tags::for_create(plan.get("tags"))?)
            .send()
            .await?;
        out.solution_arn
            .ok_or_else(|| AwsError::local("CreateSolution returned no ARN"))
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        find_solution_by_arn(c, arn).await
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize
            .delete_solution()
            .solution_arn(arn)
            .send()
            .await?;
        Ok(())
    }
}

/// The solution's attributes, `None` when it does not exist.
///
/// # Errors
/// When DescribeSolution fails otherwise.
pub async fn find_solution_by_arn(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
    let out = not_found_is_none(
        c.personalize
            .describe_solution()
            .solution_arn(arn)
            .send()
            .await
            .map_err(AwsError::from),
    )?;
    Ok(out.and_then(|o| o.solution).map(|x| {
        let mut o = Obj::new();
        o.insert("name".into(), opt_s(x.name()));
        o.insert("dataset_group_arn".into(), opt_s(x.dataset_group_arn()));
        o.insert("recipe_arn".into(), opt_s(x.recipe_arn()));
        o.insert("event_type".into(), opt_s(x.event_type()));
        o.insert("perform_hpo".into(), b(x.perform_hpo()));
        o.insert("perform_auto_ml".into(), b(x.perform_auto_ml()));
        o.insert(
            "solution_config".into(),
            list(
                x.solution_config()
                    .map(flatten_config)
                    .into_iter()
                    .collect(),
            ),
        );
        o.insert("status".into(), opt_s(x.status()));
        if let Some(arn) = x.solution_arn() {
            o.insert("arn".into(), s(arn));
        }
        times(&mut o, x.creation_date_time(), x.last_updated_date_time());
        o
    }))
}

fn flatten_config(cfg: &SolutionConfig) -> crate::framework::value::Dyn {
    let mut o = Obj::new();
    o.insert(
        "event_value_threshold".into(),
        opt_s(cfg.event_value_threshold()),
    );
    o.insert(
        "algorithm_hyper_parameters".into(),
        string_map(
            cfg.algorithm_hyper_parameters()
                .cloned()
                .unwrap_or_default(),
        ),
    );
    o.insert(
        "feature_transformation_parameters".into(),
        string_map(
            cfg.feature_transformation_parameters()
                .cloned()
                .unwrap_or_default(),
        ),
    );
    obj(o)
}

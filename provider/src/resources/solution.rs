//! `personalize_solution`: a recipe and its configuration for a dataset group. UpdateSolution
//! changes only automatic training, so `perform_auto_training` and
//! `solution_config.auto_training_config` change in place (waiting until
//! `latestSolutionUpdate` is ACTIVE); every other argument forces replacement.

use async_trait::async_trait;
use aws_sdk_personalize::types::SolutionUpdateConfig;
use tf_provider::AttributePath;

use super::common::{get_bool, get_str, not_found_is_none, times};
use super::solution_config;
use crate::framework::error::AwsError;
use crate::framework::resource::Kind;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Op, Timeouts};
use crate::framework::validate;
use crate::framework::value::{b, list, opt_s, s, Dyn, Obj};
use crate::framework::wait::Observed;
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct Solution;

#[async_trait]
impl Kind for Solution {
    const DISPLAY: &'static str = "Solution";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(20));
    const UPDATES: bool = true;

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
            Attr::optional_computed("perform_auto_training", Ty::Bool, "Let Personalize train new versions on the `auto_training_config` schedule (AWS default true); changed in place.")
                ,
            Attr::optional("solution_config", Ty::Block(solution_config::attrs()), "Training configuration; `auto_training_config` changes in place, any other change replaces the solution."),
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
        let out = c
            .personalize
            .create_solution()
            .set_name(get_str(plan, "name"))
            .set_dataset_group_arn(get_str(plan, "dataset_group_arn"))
            .set_recipe_arn(get_str(plan, "recipe_arn"))
            .set_event_type(get_str(plan, "event_type"))
            .set_perform_hpo(get_bool(plan, "perform_hpo"))
            .set_perform_auto_ml(get_bool(plan, "perform_auto_ml"))
            .set_perform_auto_training(get_bool(plan, "perform_auto_training"))
            .set_solution_config(solution_config::expand(plan))
            .set_tags(tags::for_create(plan.get("tags"))?)
            .send()
            .await?;
        out.solution_arn
            .ok_or_else(|| AwsError::local("CreateSolution returned no ARN"))
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        find_solution_by_arn(c, arn).await
    }

    async fn status(c: &Clients, arn: &str, op: Op) -> Result<Observed, AwsError> {
        let out = not_found_is_none(
            c.personalize
                .describe_solution()
                .solution_arn(arn)
                .send()
                .await
                .map_err(AwsError::from),
        )?;
        Ok(out.and_then(|o| o.solution).map(|x| {
            // During an update the solution stays ACTIVE; the update has its own status.
            match x.latest_solution_update().filter(|_| op == Op::Update) {
                Some(u) => (
                    u.status().unwrap_or("ACTIVE").to_owned(),
                    u.failure_reason().map(str::to_owned),
                ),
                None => (x.status().unwrap_or("ACTIVE").to_owned(), None),
            }
        }))
    }

    fn equivalent(name: &str, state: &Dyn, remote: &Dyn) -> bool {
        name == "solution_config" && solution_config::equivalent(state, remote)
    }

    fn replace_paths(prior: &Obj, planned: &Obj) -> Vec<AttributePath> {
        solution_config::replace_paths(prior, planned)
    }

    async fn update(c: &Clients, arn: &str, _prior: &Obj, plan: &Obj) -> Result<(), AwsError> {
        let config = solution_config::expand_auto_training(plan).map(|a| {
            SolutionUpdateConfig::builder()
                .auto_training_config(a)
                .build()
        });
        c.personalize
            .update_solution()
            .solution_arn(arn)
            .set_perform_auto_training(get_bool(plan, "perform_auto_training"))
            .set_solution_update_config(config)
            .send()
            .await?;
        Ok(())
    }

    fn update_waits(prior: &Obj, plan: &Obj) -> bool {
        ["perform_auto_training", "solution_config"]
            .iter()
            .any(|k| prior.get(*k) != plan.get(*k))
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
            "perform_auto_training".into(),
            b(x.perform_auto_training().unwrap_or(true)),
        );
        o.insert(
            "solution_config".into(),
            list(
                x.solution_config()
                    .map(solution_config::flatten)
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

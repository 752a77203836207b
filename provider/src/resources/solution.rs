//! `personalize_solution`: a recipe and its configuration for a dataset group. UpdateSolution
//! changes automatic training, incremental updates and the events configuration, so
//! `perform_auto_training`, `perform_incremental_update`, `solution_config.auto_training_config`
//! and `solution_config.events_config` change in place (waiting until `latestSolutionUpdate` is
//! ACTIVE); every other argument forces replacement.

use async_trait::async_trait;
use tf_provider::AttributePath;

use super::common::{
    described, get_block, get_bool, get_str, not_found_is_none, summary, summary_members, times,
};
use super::solution_config;
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Op, Timeouts};
use crate::framework::validate;
use crate::framework::value::{boolean, list, opt_string, string, Dyn, DynExt, Obj};
use crate::framework::wait;
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct Solution;

#[async_trait]
impl ResourceType for Solution {
    const DISPLAY: &'static str = "Solution";
    const ARN_FORM: &'static str = "solution/NAME";
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
                .reads("ARN of the recipe (null with AutoML).")
                .force_new()
                .check(validate::personalize_arn),
            Attr::optional("event_type", Ty::String, "Train only on interactions of this event type.")
                .reads("The event type it trains on, if one.")
                .force_new()
                .check(|v| validate::max_len(v, 256)),
            Attr::optional_computed("perform_hpo", Ty::Bool, "Run hyperparameter optimisation (default false).")
                .reads("Whether training runs hyperparameter optimisation.")
                .force_new()
                .default(boolean(false)),
            Attr::optional_computed("perform_auto_ml", Ty::Bool, "Let Personalize pick the recipe (default false).")
                .reads("Whether Personalize picks the recipe (AutoML).")
                .force_new()
                .default(boolean(false)),
            Attr::optional_computed("perform_auto_training", Ty::Bool, "Let Personalize train new versions on the `auto_training_config` schedule (default true, as AWS); changed in place.")
                .reads("Whether Personalize trains new versions on the solution's schedule.")
                .default(boolean(true)),
            Attr::optional_computed("perform_incremental_update", Ty::Bool, "Let Personalize update the model with new data between full trainings (default false); changed in place.")
                .reads("Whether Personalize updates the model with new data between full trainings.")
                .default(boolean(false)),
            Attr::optional("solution_config", Ty::Block(solution_config::attrs()), "Training configuration; `auto_training_config` and `events_config` change in place, any other change replaces the solution."),
            Attr::computed("best_recipe_arn", Ty::String, "The recipe AutoML chose (with `perform_auto_ml = true`), once a version has trained."),
            Attr::computed("latest_solution_update", Ty::MapString, "The last UpdateSolution, as Personalize reports it: `status`, `failure_reason`, `perform_auto_training`, `perform_incremental_update`, `creation_date_time`, `last_updated_date_time`; null before the first update."),
            Attr::computed("latest_solution_version", Ty::MapString, "The newest version of the solution, whatever its status (trained by Terraform or by auto-training): `arn`, `status`, `training_mode`, `training_type` (`MANUAL` or `AUTOMATIC`), `failure_reason`, `creation_date_time`, `last_updated_date_time`; null before the first version."),
            status_attr(),
            tags_attr(),
        ];
        attrs.extend(common_computed("solution"));
        attrs
    }

    fn validate(config: &Obj, diags: &mut tf_provider::Diagnostics) {
        let flag = |k: &str| config.get(k).and_then(DynExt::boolean) == Some(true);
        let recipe = config.get("recipe_arn").is_some_and(|v| !v.is_null());
        let recipe_unknown = config.get("recipe_arn").is_some_and(|v| v.is_unknown());
        if !flag("perform_auto_ml") && !recipe && !recipe_unknown {
            diags.error(
                "Missing recipe_arn",
                "set recipe_arn, or perform_auto_ml = true to let Personalize choose the recipe",
                AttributePath::new("recipe_arn"),
            );
        }
        if flag("perform_auto_ml") && recipe {
            diags.error(
                "Conflicting recipe_arn",
                "perform_auto_ml = true lets Personalize choose the recipe from solution_config.auto_ml_config.recipe_list; remove recipe_arn or set perform_auto_ml = false",
                AttributePath::new("recipe_arn"),
            );
        }
        // A configuration block whose switch is off would be sent and silently unused.
        let cfg = get_block(config, "solution_config");
        // API reference, HPOObjective and HPOConfig: "Amazon Personalize doesn't support
        // configuring the hpoObjective at this time."
        if cfg
            .and_then(|c| get_block(c, "hpo_config"))
            .and_then(|h| get_block(h, "hpo_objective"))
            .is_some()
        {
            diags.error(
                "hpo_objective is not supported",
                "Amazon Personalize doesn't support configuring the HPO objective (API reference, HPOObjective): remove the hpo_objective block; HPO then optimises Personalize's own objective",
                AttributePath::new("solution_config")
                    .index(0)
                    .attribute("hpo_config")
                    .index(0)
                    .attribute("hpo_objective"),
            );
        }
        for (block, switch) in [
            ("auto_ml_config", "perform_auto_ml"),
            ("hpo_config", "perform_hpo"),
        ] {
            if cfg.and_then(|c| get_block(c, block)).is_some() && !flag(switch) {
                diags.error(
                    format!("{block} without {switch}"),
                    format!("solution_config.{block} takes effect only with {switch} = true; set it or remove the block"),
                    AttributePath::new("solution_config").index(0).attribute(block),
                );
            }
        }
    }

    fn replace_paths(prior: &Obj, planned: &Obj) -> Vec<AttributePath> {
        solution_config::replace_paths(prior, planned)
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
            .set_perform_incremental_update(get_bool(plan, "perform_incremental_update"))
            .set_solution_config(solution_config::expand(plan))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.solution_arn
            .ok_or_else(|| AwsError::local("CreateSolution returned no ARN"))
    }

    type Remote = aws_sdk_personalize::types::Solution;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_solution_by_arn(c, arn).await
    }

    /// The solution's attribute values.
    fn flatten(x: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(x.name()));
        o.insert(
            "dataset_group_arn".into(),
            opt_string(x.dataset_group_arn()),
        );
        o.insert("recipe_arn".into(), opt_string(x.recipe_arn()));
        o.insert("event_type".into(), opt_string(x.event_type()));
        o.insert("perform_hpo".into(), boolean(x.perform_hpo()));
        o.insert("perform_auto_ml".into(), boolean(x.perform_auto_ml()));
        o.insert(
            "perform_auto_training".into(),
            boolean(x.perform_auto_training().unwrap_or(true)),
        );
        o.insert(
            "perform_incremental_update".into(),
            boolean(x.perform_incremental_update().unwrap_or(false)),
        );
        o.insert(
            "solution_config".into(),
            list(
                // AWS's default schedule reads as left out, and a configuration of defaults
                // only as no block, as the configuration that leaves them out has it.
                x.solution_config()
                    .map(solution_config::flatten)
                    .map(solution_config::without_default_schedule)
                    .filter(|v| v.obj().and_then(solution_config::canonical).is_some())
                    .into_iter()
                    .collect(),
            ),
        );
        o.insert(
            "best_recipe_arn".into(),
            opt_string(x.auto_ml_result().and_then(|r| r.best_recipe_arn())),
        );
        o.insert("status".into(), opt_string(x.status()));
        o.insert(
            "latest_solution_update".into(),
            summary(x.latest_solution_update().map(|u| {
                let [st, fr, cr, up] = summary_members!(u);
                let flag = |f: Option<bool>| f.map(|f| f.to_string());
                [
                    st,
                    fr,
                    ("perform_auto_training", flag(u.perform_auto_training())),
                    (
                        "perform_incremental_update",
                        flag(u.perform_incremental_update()),
                    ),
                    cr,
                    up,
                ]
            })),
        );
        o.insert(
            "latest_solution_version".into(),
            summary(x.latest_solution_version().map(|v| {
                let [st, fr, cr, up] = summary_members!(v);
                [
                    ("arn", v.solution_version_arn().map(str::to_owned)),
                    st,
                    (
                        "training_mode",
                        v.training_mode().map(|m| m.as_str().to_owned()),
                    ),
                    (
                        "training_type",
                        v.training_type().map(|t| t.as_str().to_owned()),
                    ),
                    fr,
                    cr,
                    up,
                ]
            })),
        );
        if let Some(arn) = x.solution_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, x.creation_date_time(), x.last_updated_date_time());
        o
    }

    /// During an update the solution stays ACTIVE; the update has its own status.
    fn status(x: &Self::Remote, op: Op) -> (String, Option<String>) {
        wait::during(
            op,
            (x.status(), None),
            x.latest_solution_update()
                .map(|u| (u.status(), u.failure_reason())),
        )
    }

    async fn update(c: &Clients, arn: &str, prior: &Obj, plan: &Obj) -> Result<(), AwsError> {
        c.personalize
            .update_solution()
            .solution_arn(arn)
            .set_perform_auto_training(get_bool(plan, "perform_auto_training"))
            .set_perform_incremental_update(get_bool(plan, "perform_incremental_update"))
            .set_solution_update_config(solution_config::expand_update(prior, plan))
            .send()
            .await?;
        Ok(())
    }

    fn update_waits(prior: &Obj, plan: &Obj) -> bool {
        [
            "perform_auto_training",
            "perform_incremental_update",
            "solution_config",
        ]
        .iter()
        .any(|k| prior.get(*k) != plan.get(*k))
    }

    async fn delete(c: &Clients, arn: &str, state: &Obj) -> Result<(), AwsError> {
        // Personalize refuses to delete a solution while a version trains, and automatic
        // training starts versions Terraform never sees: stop each, wait for CREATE STOPPED.
        let timeout = Self::TIMEOUTS
            .get(
                state
                    .get("timeouts")
                    .unwrap_or(&tf_provider::value::Value::Null),
                Op::Delete,
            )
            .map_err(AwsError::local)?;
        wait::until(wait::FINISHING, timeout, || async {
            let training = versions_in_training(c, arn).await?;
            for (version, status) in &training {
                if status != "CREATE STOPPING" {
                    stop_training(c, version).await?;
                }
            }
            let status = if training.is_empty() {
                "ACTIVE"
            } else {
                "CREATE STOPPING"
            };
            Ok(Some((status.to_owned(), None)))
        })
        .await
        .map_err(|e| {
            AwsError::local(format!(
                "waiting for the trainings of Solution ({arn}) to stop: {e}"
            ))
        })?;
        c.personalize
            .delete_solution()
            .solution_arn(arn)
            .send()
            .await?;
        Ok(())
    }

    fn equivalent(name: &str, state: &Dyn, remote: &Dyn) -> bool {
        name == "solution_config" && solution_config::equivalent(state, remote)
    }
}

/// The solution as DescribeSolution returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeSolution fails otherwise.
pub async fn find_solution_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::Solution>, AwsError> {
    described(
        c.personalize.describe_solution().solution_arn(arn).send(),
        |o| o.solution,
    )
    .await
}

/// The solution's versions still training or stopping, with their status.
async fn versions_in_training(c: &Clients, arn: &str) -> Result<Vec<(String, String)>, AwsError> {
    let mut out = Vec::new();
    let mut pages = c
        .personalize
        .list_solution_versions()
        .solution_arn(arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match not_found_is_none(page.map_err(AwsError::from))? {
            Some(p) => p,
            None => return Ok(out),
        };
        for v in page.solution_versions() {
            let status = v.status().unwrap_or_default();
            if wait::FINISHING.pending.contains(&status) {
                out.push((
                    v.solution_version_arn().unwrap_or_default().to_owned(),
                    status.to_owned(),
                ));
            }
        }
    }
    Ok(out)
}

/// StopSolutionVersionCreation; a version that finished (or went) meanwhile is not an error.
pub async fn stop_training(c: &Clients, version: &str) -> Result<(), AwsError> {
    let Err(e) = c
        .personalize
        .stop_solution_version_creation()
        .solution_version_arn(version)
        .send()
        .await
        .map_err(AwsError::from)
    else {
        return Ok(());
    };
    let now = super::solution_version::find_solution_version_by_arn(c, version).await?;
    match now.as_ref().and_then(|v| v.status()) {
        Some(status) if wait::FINISHING.pending.contains(&status) => Err(e),
        _ => Ok(()),
    }
}

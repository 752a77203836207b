//! `personalize_batch_inference_job`: recommendations for every line of a JSON Lines file in
//! S3, written to S3 by a solution version (developer guide, "Getting batch recommendations").
//! A job cannot be changed or deleted in Personalize: every argument forces a new job, a change
//! of `triggers` runs a new one, and destroy waits for a job still running to end, then only
//! forgets it (its output stays in S3). A job that ends `CREATE FAILED` fails the apply with
//! Personalize's `failureReason` and stays in state, tainted. Theme generation
//! (`batchInferenceJobMode = THEME_GENERATION`) is not offered: it needs Content Generator,
//! which personalize-local cannot run, so nothing here could test it.

use async_trait::async_trait;
use aws_sdk_personalize::types::{
    BatchInferenceJob as Job, BatchInferenceJobConfig, BatchInferenceJobInput,
    BatchInferenceJobOutput, RankingInfluenceType,
};

use super::campaign::{ranking_influence, without_default_exploration};
use super::common::described;
use super::job::{self, batch_job_request, flatten_batch_job};
use crate::framework::error::AwsError;
use crate::framework::resource::{Lifecycle, ResourceType};
use crate::framework::schema::{Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{number, obj, string_map, Dyn, DynExt, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct BatchInferenceJob;

#[async_trait]
impl ResourceType for BatchInferenceJob {
    const DISPLAY: &'static str = "Batch Inference Job";
    const ARN_FORM: &'static str = "batch-inference-job/NAME";
    // A job over millions of lines takes hours on AWS; destroy waits for a running job to end.
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(6 * 60));
    const UPDATES: bool = false;
    // No DeleteBatchInferenceJob exists: the job is a record of a run, forgotten here once it
    // has ended.
    const LIFECYCLE: Lifecycle = job::LIFECYCLE;

    fn description() -> &'static str {
        "An Amazon Personalize batch inference job: recommendations for every line of a JSON Lines file in S3, written to S3. There is no delete API: destroy forgets the job."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = job::batch_attrs(job::BatchArgs {
            solution_version_arn: "ARN of the ACTIVE solution version that recommends.",
            filter_arn: "ARN of a filter of the same dataset group; a line gives its values in `filterValues`.",
            num_results: "Recommendations per input line, 1 to 500; Personalize chooses when unset.",
            num_results_reads: "Recommendations per input line.",
            num_results_check: |v| validate::number_in(v, 1.0, 500.0, true),
            input_path: "The JSON Lines input, `s3://bucket/key` (a file, or a folder ending in `/`): `{\"userId\"}`, `{\"itemId\"}` or `{\"userId\", \"itemList\"}` per line, as the recipe wants.",
        });
        attrs.extend([
            Attr::optional(
                "item_exploration_config",
                Ty::MapString,
                "Exploration of new items (`explorationWeight`, `explorationItemAgeCutOff`, as the API names them), User-Personalization recipes only.",
            )
            .force_new(),
            Attr::optional(
                "ranking_influence",
                Ty::MapNumber,
                "How much `POPULARITY` and `FRESHNESS` weigh in the ranking, each from 0 to 1 (User-Personalization-v2 recipes).",
            )
            .force_new()
            .check(ranking_influence),
            job::triggers_attr(),
        ]);
        attrs.extend(job::outcome_attrs("batch_inference_job"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let request = batch_job_request!(
            c.personalize.create_batch_inference_job(),
            plan,
            BatchInferenceJobInput,
            BatchInferenceJobOutput
        );
        let out = request
            .set_batch_inference_job_config(job_config(plan))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.batch_inference_job_arn
            .ok_or_else(|| AwsError::local("CreateBatchInferenceJob returned no ARN"))
    }

    type Remote = Job;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_batch_inference_job_by_arn(c, arn).await
    }

    /// The job's attribute values.
    fn flatten(j: &Self::Remote) -> Obj {
        let mut o = flatten_batch_job!(
            j,
            BatchInferenceJobInput,
            BatchInferenceJobOutput,
            batch_inference_job_arn
        );
        let config = j.batch_inference_job_config();
        o.insert(
            "item_exploration_config".into(),
            config
                .and_then(BatchInferenceJobConfig::item_exploration_config)
                .filter(|m| !m.is_empty())
                .map_or(tf_provider::value::Value::Null, |m| string_map(m.clone())),
        );
        o.insert(
            "ranking_influence".into(),
            config
                .and_then(BatchInferenceJobConfig::ranking_influence)
                .filter(|m| !m.is_empty())
                .map_or(tf_provider::value::Value::Null, |m| {
                    obj(m
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), number(*v)))
                        .collect())
                }),
        );
        o
    }

    fn equivalent(name: &str, state: &Dyn, remote: &Dyn) -> bool {
        // Should Personalize fill in its exploration defaults, as it does for campaigns.
        name == "item_exploration_config"
            && without_default_exploration(Some(state)) == without_default_exploration(Some(remote))
    }
}

/// The job as DescribeBatchInferenceJob returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeBatchInferenceJob fails otherwise.
pub async fn find_batch_inference_job_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<Job>, AwsError> {
    described(
        c.personalize
            .describe_batch_inference_job()
            .batch_inference_job_arn(arn)
            .send(),
        |o| o.batch_inference_job,
    )
    .await
}

/// The BatchInferenceJobConfig of a plan, `None` when it sets neither map.
fn job_config(plan: &Obj) -> Option<BatchInferenceJobConfig> {
    let exploration = plan
        .get("item_exploration_config")
        .filter(|v| !v.is_null())
        .map(crate::framework::value::map_of_strings);
    let influence = plan
        .get("ranking_influence")
        .and_then(DynExt::obj)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((RankingInfluenceType::from(k.as_str()), v.num()?)))
                .collect()
        });
    if exploration.is_none() && influence.is_none() {
        return None;
    }
    Some(
        BatchInferenceJobConfig::builder()
            .set_item_exploration_config(exploration.map(|m| m.into_iter().collect()))
            .set_ranking_influence(influence)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_config_is_sent_only_when_set() {
        let mut plan = Obj::new();
        plan.insert(
            "item_exploration_config".into(),
            tf_provider::value::Value::Null,
        );
        assert!(job_config(&plan).is_none());
        plan.insert(
            "item_exploration_config".into(),
            string_map([("explorationWeight", "0.5")]),
        );
        let mut influence = Obj::new();
        influence.insert("FRESHNESS".into(), number(0.4));
        plan.insert("ranking_influence".into(), obj(influence));
        let cfg = job_config(&plan).unwrap();
        assert_eq!(
            cfg.item_exploration_config().unwrap()["explorationWeight"],
            "0.5"
        );
        assert_eq!(
            cfg.ranking_influence().unwrap()[&RankingInfluenceType::Freshness],
            0.4
        );
    }

    #[test]
    fn exploration_at_the_defaults_reads_as_configured() {
        let set = string_map([("explorationWeight", "0.5")]);
        let filled = string_map([
            ("explorationWeight", "0.5"),
            ("explorationItemAgeCutOff", "30"),
        ]);
        assert!(BatchInferenceJob::equivalent(
            "item_exploration_config",
            &set,
            &filled
        ));
        let other = string_map([("explorationWeight", "0.9")]);
        assert!(!BatchInferenceJob::equivalent(
            "item_exploration_config",
            &set,
            &other
        ));
    }
}

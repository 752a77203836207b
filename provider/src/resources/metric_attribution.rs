//! `personalize_metric_attribution`: the metrics Personalize reports about the events of a
//! dataset group, and where it publishes them. `metrics` and `metrics_output_config` change in
//! place (UpdateMetricAttribution: the metrics that are gone or changed are removed by name, the
//! new or changed ones added, in one call); `name` and `dataset_group_arn` force a new
//! attribution. Personalize does not tag metric attributions (developer guide, "Tagging Amazon
//! Personalize resources", lists the taggable types; CreateMetricAttribution takes no `tags`),
//! so this resource has no `tags`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_personalize::types::{MetricAttribute, MetricAttributionOutput, S3DataConfig};
use tf_provider::{AttributePath, Diagnostics};

use super::common::{described, get_block, get_str, not_found_is_none, times};
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, status_attr, Attr, Ty};
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{list, obj, opt_string, string, Dyn, DynExt, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct MetricAttribution;

/// What the finder returns: the attribution and its metrics.
pub type Found = (
    aws_sdk_personalize::types::MetricAttribution,
    Vec<aws_sdk_personalize::types::MetricAttribute>,
);

/// API reference, CreateMetricAttribution: `metrics` holds "Maximum number of 10 items".
const MAX_METRICS: usize = 10;

fn metric_attrs() -> Vec<Attr> {
    vec![
        Attr::required(
            "metric_name",
            Ty::String,
            "Name of the metric (unique in the attribution); reports name it in `METRIC_NAME`.",
        )
        .check(|v| validate::max_len(v, 256)),
        Attr::required(
            "event_type",
            Ty::String,
            "The interactions' `EVENT_TYPE` the metric counts or sums.",
        )
        .check(|v| validate::max_len(v, 256)),
        Attr::required(
            "expression",
            Ty::String,
            "`SAMPLECOUNT()`, or `SUM(DatasetType.COLUMN)` of a numeric column of the Interactions or Items dataset, e.g. `SUM(Items.PRICE)`.",
        )
        .check(|v| validate::max_len(v, 256)),
    ]
}

fn output_attrs() -> Vec<Attr> {
    vec![
        Attr::optional(
            "s3_path",
            Ty::String,
            "Where Personalize publishes the reports, `s3://bucket/prefix` (bulk data reports go only there).",
        )
        .check(validate::s3_uri),
        Attr::optional(
            "kms_key_arn",
            Ty::String,
            "KMS key Personalize encrypts the reports with.",
        )
        .check(validate::arn),
        Attr::required(
            "role_arn",
            Ty::String,
            "IAM role Personalize assumes to write to the bucket and to CloudWatch.",
        )
        .check(validate::role_arn),
    ]
}

#[async_trait]
impl ResourceType for MetricAttribution {
    const DISPLAY: &'static str = "Metric Attribution";
    const ARN_FORM: &'static str = "metric-attribution/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(30));
    const UPDATES: bool = true;

    fn description() -> &'static str {
        "An Amazon Personalize metric attribution: the event metrics Personalize reports for a dataset group (one per group), published to S3 and CloudWatch."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the metric attribution.")
                .force_new()
                .check(validate::name),
            Attr::required(
                "dataset_group_arn",
                Ty::String,
                "ARN of the dataset group whose events it measures (a group has at most one attribution).",
            )
            .force_new()
            .check(validate::personalize_arn),
            Attr::optional(
                "metrics",
                Ty::BlockSet(metric_attrs(), MAX_METRICS),
                "The metrics, 1 to 10 blocks (required); added, changed and removed in place (UpdateMetricAttribution). Their order does not matter.",
            ),
            Attr::optional(
                "metrics_output_config",
                Ty::Block(output_attrs()),
                "Where the reports go (required); changed in place.",
            ),
            Attr::computed(
                "failure_reason",
                Ty::String,
                "Why the attribution failed, if it did.",
            ),
            status_attr(),
        ];
        attrs.extend(common_computed("metric_attribution"));
        attrs
    }

    fn validate(config: &Obj, diags: &mut Diagnostics) {
        // An absent block is null or an empty list; an unknown one (dynamic) is left alone.
        let missing = |key: &str| {
            config
                .get(key)
                .is_none_or(|v| v.is_null() || v.list().is_some_and(<[Dyn]>::is_empty))
        };
        if missing("metrics") {
            diags.error(
                "Missing metrics",
                "a metric attribution needs at least one metrics block (CreateMetricAttribution: 1 to 10 metrics)",
                AttributePath::new("metrics"),
            );
        }
        let names = config
            .get("metrics")
            .and_then(DynExt::list)
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.obj().and_then(|o| o.get("metric_name")?.str()));
        if let Some(dup) = validate::first_duplicate(names) {
            diags.error(
                "Duplicate metric_name",
                format!("the metric name {dup:?} is used by two metrics blocks; Personalize names each metric once"),
                AttributePath::new("metrics"),
            );
        }
        if missing("metrics_output_config") {
            diags.error(
                "Missing metrics_output_config",
                "CreateMetricAttribution requires metricsOutputConfig: add a metrics_output_config block with at least role_arn",
                AttributePath::new("metrics_output_config"),
            );
        }
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_metric_attribution()
            .set_name(get_str(plan, "name"))
            .set_dataset_group_arn(get_str(plan, "dataset_group_arn"))
            .set_metrics(Some(
                metrics_of(plan)
                    .into_values()
                    .map(|m| m.expand())
                    .collect::<Result<_, _>>()?,
            ))
            .set_metrics_output_config(output_config(plan)?)
            .send()
            .await?;
        out.metric_attribution_arn
            .ok_or_else(|| AwsError::local("CreateMetricAttribution returned no ARN"))
    }

    type Remote = Found;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_metric_attribution_by_arn(c, arn).await
    }

    /// The attribution's attribute values, its metrics included.
    fn flatten((m, metrics): &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(m.name()));
        o.insert(
            "dataset_group_arn".into(),
            opt_string(m.dataset_group_arn()),
        );
        o.insert(
            "metrics".into(),
            list(
                metrics
                    .iter()
                    .map(|x| {
                        let mut item = Obj::new();
                        item.insert("metric_name".into(), string(x.metric_name()));
                        item.insert("event_type".into(), string(x.event_type()));
                        item.insert("expression".into(), string(x.expression()));
                        obj(item)
                    })
                    .collect(),
            ),
        );
        o.insert(
            "metrics_output_config".into(),
            list(
                m.metrics_output_config()
                    .map(|out| {
                        let mut cfg = Obj::new();
                        let dest = out.s3_data_destination();
                        cfg.insert("s3_path".into(), opt_string(dest.map(S3DataConfig::path)));
                        cfg.insert(
                            "kms_key_arn".into(),
                            opt_string(dest.and_then(S3DataConfig::kms_key_arn)),
                        );
                        cfg.insert("role_arn".into(), string(out.role_arn()));
                        obj(cfg)
                    })
                    .into_iter()
                    .collect(),
            ),
        );
        o.insert("status".into(), opt_string(m.status()));
        o.insert("failure_reason".into(), opt_string(m.failure_reason()));
        if let Some(arn) = m.metric_attribution_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, m.creation_date_time(), m.last_updated_date_time());
        o
    }

    async fn update(c: &Clients, arn: &str, prior: &Obj, plan: &Obj) -> Result<(), AwsError> {
        let (before, after) = (metrics_of(prior), metrics_of(plan));
        // A metric whose event type or expression changed is removed and added again under
        // its name, in the same call, so the attribution never has fewer metrics between.
        let remove: Vec<String> = before
            .iter()
            .filter(|(name, m)| after.get(*name) != Some(*m))
            .map(|(name, _)| name.clone())
            .collect();
        let add: Vec<MetricAttribute> = after
            .iter()
            .filter(|(name, m)| before.get(*name) != Some(*m))
            .map(|(_, m)| m.expand())
            .collect::<Result<_, _>>()?;
        let output = if prior.get("metrics_output_config") == plan.get("metrics_output_config") {
            None
        } else {
            output_config(plan)?
        };
        if remove.is_empty() && add.is_empty() && output.is_none() {
            // The same metrics and output (e.g. only their order in state differed).
            return Ok(());
        }
        c.personalize
            .update_metric_attribution()
            .metric_attribution_arn(arn)
            .set_remove_metrics(Some(remove).filter(|r| !r.is_empty()))
            .set_add_metrics(Some(add).filter(|a| !a.is_empty()))
            .set_metrics_output_config(output)
            .send()
            .await?;
        Ok(())
    }

    fn update_waits(_prior: &Obj, _plan: &Obj) -> bool {
        // AWS documents no update status for a metric attribution; should it report one, the
        // wait goes through it to ACTIVE, and returns at once otherwise.
        true
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize
            .delete_metric_attribution()
            .metric_attribution_arn(arn)
            .send()
            .await?;
        Ok(())
    }

    fn equivalent(name: &str, state: &Dyn, remote: &Dyn) -> bool {
        // `metrics` is a set for Terraform; ListMetricAttributionMetrics answers in an order of
        // its own, so the state keeps the order it has.
        name == "metrics" && metric_set(state) == metric_set(remote)
    }
}

/// The attribution as DescribeMetricAttribution returns it, with the metrics
/// ListMetricAttributionMetrics lists (the description carries none), `None` when it does not
/// exist.
///
/// # Errors
/// When DescribeMetricAttribution or ListMetricAttributionMetrics fails otherwise.
pub async fn find_metric_attribution_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<Found>, AwsError> {
    let description = described(
        c.personalize
            .describe_metric_attribution()
            .metric_attribution_arn(arn)
            .send(),
        |o| o.metric_attribution,
    );
    let Some(m) = description.await? else {
        return Ok(None);
    };
    let metrics = not_found_is_none(
        c.personalize
            .list_metric_attribution_metrics()
            .metric_attribution_arn(arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(AwsError::from),
    )?;
    // None: deleted between the two calls.
    Ok(metrics.map(|metrics| (m, metrics)))
}

/// One metric as the API has it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Metric {
    name: String,
    event_type: String,
    expression: String,
}

impl Metric {
    fn expand(&self) -> Result<MetricAttribute, AwsError> {
        MetricAttribute::builder()
            .metric_name(&self.name)
            .event_type(&self.event_type)
            .expression(&self.expression)
            .build()
            .map_err(|e| AwsError::local(format!("metric {}: {e}", self.name)))
    }
}

/// The metrics of a `metrics` value, by name.
fn metric_set(v: &Dyn) -> BTreeMap<String, Metric> {
    v.list()
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            let o = m.obj()?;
            let name = get_str(o, "metric_name")?;
            Some((
                name.clone(),
                Metric {
                    name,
                    event_type: get_str(o, "event_type").unwrap_or_default(),
                    expression: get_str(o, "expression").unwrap_or_default(),
                },
            ))
        })
        .collect()
}

fn metrics_of(o: &Obj) -> BTreeMap<String, Metric> {
    o.get("metrics").map(metric_set).unwrap_or_default()
}

/// The `metrics_output_config` block as the API's MetricAttributionOutput.
fn output_config(plan: &Obj) -> Result<Option<MetricAttributionOutput>, AwsError> {
    let Some(cfg) = get_block(plan, "metrics_output_config") else {
        return Ok(None);
    };
    let destination = get_str(cfg, "s3_path")
        .map(|path| {
            S3DataConfig::builder()
                .path(path)
                .set_kms_key_arn(get_str(cfg, "kms_key_arn"))
                .build()
        })
        .transpose()
        .map_err(|e| AwsError::local(format!("metrics_output_config: {e}")))?;
    MetricAttributionOutput::builder()
        .set_s3_data_destination(destination)
        .set_role_arn(get_str(cfg, "role_arn"))
        .build()
        .map(Some)
        .map_err(|e| AwsError::local(format!("metrics_output_config: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, event: &str, expr: &str) -> Dyn {
        let mut o = Obj::new();
        o.insert("metric_name".into(), string(name));
        o.insert("event_type".into(), string(event));
        o.insert("expression".into(), string(expr));
        obj(o)
    }

    #[test]
    fn metrics_in_another_order_are_equivalent_a_changed_one_is_not() {
        let a = metric("CLICKS", "click", "SAMPLECOUNT()");
        let b = metric("REVENUE", "buy", "SUM(Items.PRICE)");
        let ab = list(vec![a.clone(), b.clone()]);
        let ba = list(vec![b, a.clone()]);
        assert!(MetricAttribution::equivalent("metrics", &ab, &ba));
        let changed = list(vec![a, metric("REVENUE", "buy", "SUM(Items.COST)")]);
        assert!(!MetricAttribution::equivalent("metrics", &ab, &changed));
        assert!(!MetricAttribution::equivalent("name", &ab, &ba));
    }

    #[test]
    fn validate_wants_one_metric_unique_names_and_an_output() {
        let mut config = Obj::new();
        config.insert("metrics".into(), list(vec![]));
        config.insert(
            "metrics_output_config".into(),
            tf_provider::value::Value::Null,
        );
        let mut diags = Diagnostics::default();
        MetricAttribution::validate(&config, &mut diags);
        let summaries: Vec<&str> = diags.errors.iter().map(|e| e.summary.as_ref()).collect();
        assert_eq!(
            summaries,
            ["Missing metrics", "Missing metrics_output_config"]
        );
        let m = metric("CLICKS", "click", "SAMPLECOUNT()");
        config.insert("metrics".into(), list(vec![m.clone(), m]));
        config.insert("metrics_output_config".into(), list(vec![obj(Obj::new())]));
        let mut diags = Diagnostics::default();
        MetricAttribution::validate(&config, &mut diags);
        assert_eq!(diags.errors.len(), 1);
        assert_eq!(diags.errors[0].summary, "Duplicate metric_name");
        assert!(diags.errors[0].detail.contains("CLICKS"));
    }

    #[test]
    fn output_config_needs_the_role_and_takes_the_path_and_key() {
        let mut cfg = Obj::new();
        cfg.insert("s3_path".into(), string("s3://reports/ma"));
        cfg.insert(
            "kms_key_arn".into(),
            string("arn:aws:kms:us-east-1:1:key/k"),
        );
        cfg.insert("role_arn".into(), string("arn:aws:iam::1:role/r"));
        let mut plan = Obj::new();
        plan.insert("metrics_output_config".into(), list(vec![obj(cfg)]));
        let out = output_config(&plan).unwrap().unwrap();
        assert_eq!(out.role_arn(), "arn:aws:iam::1:role/r");
        let dest = out.s3_data_destination().unwrap();
        assert_eq!(dest.path(), "s3://reports/ma");
        assert_eq!(dest.kms_key_arn(), Some("arn:aws:kms:us-east-1:1:key/k"));
        let mut no_role = Obj::new();
        no_role.insert("metrics_output_config".into(), list(vec![obj(Obj::new())]));
        assert!(output_config(&no_role).is_err());
        assert!(output_config(&Obj::new()).unwrap().is_none());
    }
}

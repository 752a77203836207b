//! Data sources that read an existing resource by ARN with the resource's own finder
//! ([`Mirror`]): `personalize_campaign`, `personalize_dataset_group`, `personalize_dataset`,
//! `personalize_event_tracker`, `personalize_filter`, `personalize_recommender`, `personalize_schema`,
//! `personalize_solution`, `personalize_solution_version`, `personalize_metric_attribution`,
//! `personalize_batch_inference_job`, `personalize_batch_segment_job`,
//! `personalize_dataset_export_job`. Their attributes are derived from the
//! resource's, so a read-only attribute a resource gains reaches its data source too.
//! `personalize_active_solution_version` finds a solution's newest ACTIVE version.

use std::marker::PhantomData;

use async_trait::async_trait;

use super::generic::DataKind;
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{Attr, Ty};
use crate::framework::validate;
use crate::framework::value::Obj;
use crate::provider::Clients;
use crate::resources::{
    batch_inference_job, batch_segment_job, campaign, dataset, dataset_export_job, dataset_group,
    event_tracker, filter, metric_attribution, recommender, schema, solution, solution_version,
};

/// A resource whose by-ARN data source ([`Mirror`]) reads it with its own finder.
pub trait Mirrored: ResourceType {
    /// Markdown description of the data source.
    const READS: &'static str;
    /// Description of the data source's `arn` argument.
    const ARN: &'static str;
}

/// `data "personalize_X"` for a resource `K`, by `arn`: every attribute the resource reads back
/// from Personalize, computed. Left out: nested blocks (a data source cannot compute a block),
/// `id`, `tags` and what Personalize does not store ([`Attr::local`], e.g. `triggers`).
#[derive(Debug)]
pub struct Mirror<K>(PhantomData<fn() -> K>);

/// The computed attributes a data source mirrors from a resource's attributes.
fn mirrored(attrs: Vec<Attr>, skip: &[&str]) -> Vec<Attr> {
    attrs
        .into_iter()
        .filter(|a| a.ty.nested().is_none() && !a.local)
        .filter(|a| !["id", "tags", "arn"].contains(&a.name) && !skip.contains(&a.name))
        .map(|a| Attr::computed(a.name, a.ty, a.reads.unwrap_or(a.description)))
        .collect()
}

#[async_trait]
impl<K: Mirrored> DataKind for Mirror<K> {
    const DISPLAY: &'static str = K::DISPLAY;
    const KEY: &'static str = "arn";

    fn description() -> &'static str {
        K::READS
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs =
            vec![Attr::required("arn", Ty::String, K::ARN).check(validate::personalize_arn)];
        attrs.extend(mirrored(K::attributes(), &[]));
        attrs
    }

    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        K::read(c, arn).await
    }
}

impl Mirrored for campaign::Campaign {
    const READS: &'static str =
        "Reads an existing Amazon Personalize campaign by ARN, with its latest update.";
    const ARN: &'static str = "ARN of the campaign.";
}

impl Mirrored for recommender::Recommender {
    const READS: &'static str =
        "Reads an existing Amazon Personalize recommender by ARN, with its status, model metrics and latest update.";
    const ARN: &'static str = "ARN of the recommender.";
}

impl Mirrored for dataset_group::DatasetGroup {
    const READS: &'static str = "Reads an existing Amazon Personalize dataset group by ARN.";
    const ARN: &'static str = "ARN of the dataset group.";
}

impl Mirrored for event_tracker::EventTracker {
    const READS: &'static str =
        "Reads an existing Amazon Personalize event tracker by ARN, with the tracking ID PutEvents needs.";
    const ARN: &'static str = "ARN of the event tracker.";
}

impl Mirrored for solution::Solution {
    const READS: &'static str = "Reads an existing Amazon Personalize solution by ARN, with the recipe AutoML chose, its latest update and its newest version.";
    const ARN: &'static str = "ARN of the solution.";
}

impl Mirrored for solution_version::SolutionVersion {
    const READS: &'static str =
        "Reads an existing Amazon Personalize solution version by ARN, with its metrics.";
    const ARN: &'static str = "ARN of the solution version.";
}

impl Mirrored for schema::Schema {
    const READS: &'static str = "Reads an existing Amazon Personalize schema by ARN.";
    const ARN: &'static str = "ARN of the schema.";
}

impl Mirrored for dataset::Dataset {
    const READS: &'static str =
        "Reads an existing Amazon Personalize dataset by ARN, with its latest update.";
    const ARN: &'static str = "ARN of the dataset.";
}

impl Mirrored for filter::Filter {
    const READS: &'static str = "Reads an existing Amazon Personalize filter by ARN.";
    const ARN: &'static str = "ARN of the filter.";
}

impl Mirrored for metric_attribution::MetricAttribution {
    const READS: &'static str = "Reads an existing Amazon Personalize metric attribution by ARN, with its status (its metrics and output configuration are blocks, which a data source cannot return: see the resource).";
    const ARN: &'static str = "ARN of the metric attribution.";
}

impl Mirrored for batch_inference_job::BatchInferenceJob {
    const READS: &'static str =
        "Reads an existing Amazon Personalize batch inference job by ARN, with its status and failure reason.";
    const ARN: &'static str = "ARN of the batch inference job.";
}

impl Mirrored for batch_segment_job::BatchSegmentJob {
    const READS: &'static str =
        "Reads an existing Amazon Personalize batch segment job by ARN, with its status and failure reason.";
    const ARN: &'static str = "ARN of the batch segment job.";
}

impl Mirrored for dataset_export_job::DatasetExportJob {
    const READS: &'static str =
        "Reads an existing Amazon Personalize dataset export job by ARN, with its status and failure reason.";
    const ARN: &'static str = "ARN of the dataset export job.";
}

/// `data "personalize_active_solution_version"`: the newest ACTIVE version of a solution
/// (ListSolutionVersions, newest `creationDateTime` among the ACTIVE ones), e.g. to deploy the
/// model auto-training produced.
#[derive(Debug)]
pub struct ActiveSolutionVersionData;

#[async_trait]
impl DataKind for ActiveSolutionVersionData {
    const DISPLAY: &'static str = "ACTIVE solution version of the solution";
    const KEY: &'static str = "solution_arn";

    fn description() -> &'static str {
        "Reads the newest ACTIVE version of an Amazon Personalize solution (trained by Terraform or by auto-training), with its metrics."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("solution_arn", Ty::String, "ARN of the solution.")
                .check(validate::personalize_arn),
            Attr::computed("arn", Ty::String, "ARN of the newest ACTIVE version."),
        ];
        attrs.extend(mirrored(
            solution_version::SolutionVersion::attributes(),
            &["solution_arn"],
        ));
        attrs
    }

    async fn find(c: &Clients, solution_arn: &str) -> Result<Option<Obj>, AwsError> {
        let versions = c
            .personalize
            .list_solution_versions()
            .solution_arn(solution_arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await?;
        let newest = versions
            .iter()
            .filter(|v| v.status() == Some("ACTIVE"))
            .max_by_key(|v| v.creation_date_time().map(|t| (t.secs(), t.subsec_nanos())));
        let Some(arn) = newest.and_then(|v| v.solution_version_arn()) else {
            return Ok(None);
        };
        let found = solution_version::SolutionVersion::read(c, arn).await?;
        Ok(found.map(|mut o| {
            o.insert("arn".into(), crate::framework::value::string(arn));
            o
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use tf_provider::schema::{AttributeConstraint, Block};
    use tf_provider::Diagnostics;

    use crate::provider::ClientSlot;

    /// What a resource's data source must offer: every attribute of the resource except
    /// `id`, the tags and `triggers` (Terraform-only), none of its blocks.
    fn readable(resource: &Block) -> BTreeSet<String> {
        resource
            .attributes
            .keys()
            .filter(|k| !["id", "tags", "tags_all", "triggers"].contains(&k.as_str()))
            .cloned()
            .collect()
    }

    #[test]
    fn each_data_source_has_every_attribute_its_resource_reads() {
        let clients = ClientSlot::default();
        let resources = crate::resources::all(&clients);
        let data_sources = crate::data_sources::all(&clients);
        let mut diags = Diagnostics::default();
        // Every data source named after a resource reads it by ARN; the newest ACTIVE version
        // of a solution is a solution version found by its solution.
        let mut pairs: Vec<(&str, &str, &str)> = data_sources
            .keys()
            .filter(|name| resources.contains_key(*name))
            .map(|name| (name.as_str(), name.as_str(), "arn"))
            .collect();
        // Every resource but the import job has one.
        let without: Vec<&String> = resources
            .keys()
            .filter(|r| !data_sources.contains_key(*r))
            .collect();
        assert_eq!(without, ["dataset_import_job"], "{pairs:?}");
        pairs.push((
            "active_solution_version",
            "solution_version",
            "solution_arn",
        ));
        for (data_name, resource_name, key) in pairs {
            let resource = resources[resource_name].schema(&mut diags).unwrap().block;
            let data = data_sources[data_name].schema(&mut diags).unwrap().block;
            let got: BTreeSet<String> = data.attributes.keys().cloned().collect();
            assert_eq!(got, readable(&resource), "data source {data_name}");
            assert!(data.blocks.is_empty(), "data source {data_name}");
            for (name, attr) in &data.attributes {
                let want = if name == key {
                    AttributeConstraint::Required
                } else {
                    AttributeConstraint::Computed
                };
                assert_eq!(attr.constraint, want, "{data_name}.{name}");
                assert_eq!(
                    attr.attr_type, resource.attributes[name].attr_type,
                    "{data_name}.{name}"
                );
                // A data source configures nothing: its words are those of `Attr::reads`.
                let words = &attr.description.content;
                for configuring in [
                    "changed in place",
                    "default false",
                    "default 1",
                    "omit with",
                ] {
                    assert!(!words.contains(configuring), "{data_name}.{name}: {words}");
                }
            }
        }
        assert!(diags.errors.is_empty(), "{diags:?}");
    }
}

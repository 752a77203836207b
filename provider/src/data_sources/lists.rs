//! Plural data sources: every resource of a kind, optionally under one parent (the List*
//! operation's filter), as `arns` and `names` (`statuses` for solution versions) in the order Personalize lists them. Each reads
//! every page of its List* operation.

use async_trait::async_trait;

use super::generic::DataKind;
use crate::framework::error::AwsError;
use crate::framework::schema::{Attr, Ty};
use crate::framework::validate;
use crate::framework::value::{string_list, Obj};
use crate::provider::Clients;

/// A plural data source: `$filter` names the optional parent attribute (`""` for none).
macro_rules! list_data {
    (
        $(#[$doc:meta])* $ty:ident, $display:literal, $description:literal, $arns:literal,
        $second:literal ($second_doc:literal),
        filter: $filter:literal ($filter_doc:literal) => $set:ident,
        $list:ident, |$item:ident| ($arn:expr, $name:expr)
    ) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $ty;

        #[async_trait]
        impl DataKind for $ty {
            const DISPLAY: &'static str = $display;
            const KEY: &'static str = $filter;

            fn description() -> &'static str {
                $description
            }

            fn attributes() -> Vec<Attr> {
                let mut attrs = Vec::new();
                if !$filter.is_empty() {
                    attrs.push(
                        Attr::optional($filter, Ty::String, $filter_doc)
                            .check(validate::personalize_arn),
                    );
                }
                attrs.push(Attr::computed("arns", Ty::ListString, $arns));
                attrs.push(Attr::computed($second, Ty::ListString, $second_doc));
                attrs
            }

            async fn find(c: &Clients, key: &str) -> Result<Option<Obj>, AwsError> {
                let parent = Some(key.to_owned()).filter(|k| !k.is_empty());
                let items = c
                    .personalize
                    .$list()
                    .$set(parent)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
                    .await?;
                let (arns, second): (Vec<String>, Vec<String>) = items
                    .iter()
                    .map(|$item| {
                        let arn: Option<&str> = $arn;
                        let second: Option<&str> = $name;
                        (arn.unwrap_or_default().to_owned(), second.unwrap_or_default().to_owned())
                    })
                    .unzip();
                let mut o = Obj::new();
                o.insert("arns".into(), string_list(arns));
                o.insert($second.into(), string_list(second));
                Ok(Some(o))
            }
        }
    };
}

/// Builder pass-through for List* operations without a filter.
trait NoFilter: Sized {
    fn no_filter(self, _parent: Option<String>) -> Self {
        self
    }
}
impl<T> NoFilter for T {}

list_data!(
    /// `data "personalize_dataset_groups"`.
    DatasetGroupsData, "Dataset Groups", "Lists every Amazon Personalize dataset group of the account and region.",
    "ARNs of the dataset groups.",
    "names" ("Their names, in the same order."),
    filter: "" ("") => no_filter,
    list_dataset_groups, |x| (x.dataset_group_arn(), x.name())
);
list_data!(
    /// `data "personalize_schemas"`.
    SchemasData, "Schemas", "Lists every Amazon Personalize schema of the account and region.",
    "ARNs of the schemas.",
    "names" ("Their names, in the same order."),
    filter: "" ("") => no_filter,
    list_schemas, |x| (x.schema_arn(), x.name())
);
list_data!(
    /// `data "personalize_datasets"`.
    DatasetsData, "Datasets", "Lists Amazon Personalize datasets, all or those of one dataset group.",
    "ARNs of the datasets.",
    "names" ("Their names, in the same order."),
    filter: "dataset_group_arn" ("Only the datasets of this dataset group.") => set_dataset_group_arn,
    list_datasets, |x| (x.dataset_arn(), x.name())
);
list_data!(
    /// `data "personalize_dataset_import_jobs"`.
    DatasetImportJobsData, "Dataset Import Jobs", "Lists Amazon Personalize dataset import jobs, all or those of one dataset.",
    "ARNs of the import jobs.",
    "names" ("Their names, in the same order."),
    filter: "dataset_arn" ("Only the import jobs of this dataset.") => set_dataset_arn,
    list_dataset_import_jobs, |x| (x.dataset_import_job_arn(), x.job_name())
);
list_data!(
    /// `data "personalize_solutions"`.
    SolutionsData, "Solutions", "Lists Amazon Personalize solutions, all or those of one dataset group.",
    "ARNs of the solutions.",
    "names" ("Their names, in the same order."),
    filter: "dataset_group_arn" ("Only the solutions of this dataset group.") => set_dataset_group_arn,
    list_solutions, |x| (x.solution_arn(), x.name())
);
list_data!(
    /// `data "personalize_solution_versions"`: with `statuses` rather than names, which the
    /// summaries do not carry.
    SolutionVersionsData, "Solution Versions", "Lists Amazon Personalize solution versions, all or those of one solution.",
    "ARNs of the solution versions.",
    "statuses" ("Their statuses (e.g. `ACTIVE`), in the same order."),
    filter: "solution_arn" ("Only the versions of this solution.") => set_solution_arn,
    list_solution_versions, |x| (x.solution_version_arn(), x.status())
);
list_data!(
    /// `data "personalize_campaigns"`.
    CampaignsData, "Campaigns", "Lists Amazon Personalize campaigns, all or those of one solution.",
    "ARNs of the campaigns.",
    "names" ("Their names, in the same order."),
    filter: "solution_arn" ("Only the campaigns of this solution.") => set_solution_arn,
    list_campaigns, |x| (x.campaign_arn(), x.name())
);
list_data!(
    /// `data "personalize_event_trackers"`.
    EventTrackersData, "Event Trackers", "Lists Amazon Personalize event trackers, all or the one of a dataset group.",
    "ARNs of the event trackers.",
    "names" ("Their names, in the same order."),
    filter: "dataset_group_arn" ("Only the tracker of this dataset group.") => set_dataset_group_arn,
    list_event_trackers, |x| (x.event_tracker_arn(), x.name())
);
list_data!(
    /// `data "personalize_filters"`.
    FiltersData, "Filters", "Lists Amazon Personalize filters, all or those of one dataset group.",
    "ARNs of the filters.",
    "names" ("Their names, in the same order."),
    filter: "dataset_group_arn" ("Only the filters of this dataset group.") => set_dataset_group_arn,
    list_filters, |x| (x.filter_arn(), x.name())
);
list_data!(
    /// `data "personalize_recommenders"`.
    RecommendersData, "Recommenders", "Lists Amazon Personalize recommenders, all or those of one domain dataset group.",
    "ARNs of the recommenders.",
    "names" ("Their names, in the same order."),
    filter: "dataset_group_arn" ("Only the recommenders of this dataset group.") => set_dataset_group_arn,
    list_recommenders, |x| (x.recommender_arn(), x.name())
);
list_data!(
    /// `data "personalize_metric_attributions"`.
    MetricAttributionsData, "Metric Attributions", "Lists Amazon Personalize metric attributions, all or the one of a dataset group.",
    "ARNs of the metric attributions.",
    "names" ("Their names, in the same order."),
    filter: "dataset_group_arn" ("Only the attribution of this dataset group.") => set_dataset_group_arn,
    list_metric_attributions, |x| (x.metric_attribution_arn(), x.name())
);
list_data!(
    /// `data "personalize_batch_inference_jobs"`.
    BatchInferenceJobsData, "Batch Inference Jobs", "Lists Amazon Personalize batch inference jobs, all or those of one solution version.",
    "ARNs of the batch inference jobs.",
    "names" ("Their names, in the same order."),
    filter: "solution_version_arn" ("Only the jobs of this solution version.") => set_solution_version_arn,
    list_batch_inference_jobs, |x| (x.batch_inference_job_arn(), x.job_name())
);
list_data!(
    /// `data "personalize_batch_segment_jobs"`.
    BatchSegmentJobsData, "Batch Segment Jobs", "Lists Amazon Personalize batch segment jobs, all or those of one solution version.",
    "ARNs of the batch segment jobs.",
    "names" ("Their names, in the same order."),
    filter: "solution_version_arn" ("Only the jobs of this solution version.") => set_solution_version_arn,
    list_batch_segment_jobs, |x| (x.batch_segment_job_arn(), x.job_name())
);
list_data!(
    /// `data "personalize_dataset_export_jobs"`.
    DatasetExportJobsData, "Dataset Export Jobs", "Lists Amazon Personalize dataset export jobs, all or those of one dataset.",
    "ARNs of the export jobs.",
    "names" ("Their names, in the same order."),
    filter: "dataset_arn" ("Only the export jobs of this dataset.") => set_dataset_arn,
    list_dataset_export_jobs, |x| (x.dataset_export_job_arn(), x.job_name())
);

//! The [`ResourceType`] trait: what one Personalize resource type (one file in
//! `crate::resources`) adds to the generic machinery, and its defaults.

use async_trait::async_trait;
use tf_provider::{AttributePath, Diagnostics};

use crate::framework::error::AwsError;
use crate::framework::schema::Attr;
use crate::framework::timeouts::{Op, Timeouts};
use crate::framework::value::{Dyn, DynExt, Obj};
use crate::framework::wait::{self, Observed, Target};
use crate::provider::Clients;

/// What destroy can do with a resource of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Personalize has a Delete* call: destroy calls it and waits until the resource is gone.
    Deletable,
    /// Personalize has no Delete* call (dataset import, dataset export, batch inference and
    /// batch segment jobs, solution versions): destroy waits for a running job or training to
    /// end, then forgets it. Personalize keeps its name for good, so a replacement must change
    /// `name_attr` ([`ResourceType::single_use_name`]). A job that ends `CREATE FAILED` fails
    /// the apply with its failure reason and stays in state, tainted, as every resource does.
    NoDeleteApi {
        /// The attribute holding the name Personalize never frees (`job_name`, `name`).
        name_attr: &'static str,
    },
}

/// What one Personalize resource type adds to the generic machinery.
#[async_trait]
pub trait ResourceType: Send + Sync + 'static {
    /// Human name used in diagnostics, e.g. `Dataset Group`.
    const DISPLAY: &'static str;
    /// The resource part of its ARNs, e.g. `campaign/NAME`: import refuses an ARN of another
    /// type (same first segment, same number of segments).
    const ARN_FORM: &'static str;
    /// Default timeouts.
    const TIMEOUTS: Timeouts;
    /// Whether some attributes update in place (adds `timeouts.update`).
    const UPDATES: bool;
    /// What destroy does: delete, or (no delete API) wait for the job or training to end and
    /// forget it.
    const LIFECYCLE: Lifecycle = Lifecycle::Deletable;

    /// Markdown description of the resource.
    fn description() -> &'static str;
    /// The attributes, including the common computed ones.
    fn attributes() -> Vec<Attr>;

    /// Cross-attribute checks on a configuration (single attributes use [`Attr::check`]).
    fn validate(_config: &Obj, _diags: &mut Diagnostics) {}

    /// Adjusts a plan after the generic rules; `prior` is `None` when creating.
    fn plan(_prior: Option<&Obj>, _planned: &mut Obj, _config: &Obj) {}

    /// Calls Create* and returns the new ARN; the plan holds no unknown configurable value
    /// except where the configuration refers to a resource not created yet.
    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError>;

    /// What the finder returns: the SDK type Describe* answers with (and what else the
    /// resource reads, e.g. a metric attribution's metrics).
    type Remote: Send + Sync;

    /// The finder: the resource as Personalize describes it, `None` when Personalize says it
    /// does not exist.
    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError>;

    /// The found resource as attribute values. Attributes the API does not return are left out
    /// and keep their state value.
    fn flatten(remote: &Self::Remote) -> Obj;

    /// Status and failure reason to wait on after `op`; by default the `status` and
    /// `failure_reason` attributes of [`ResourceType::flatten`]. A resource whose update has a
    /// status of its own answers with [`wait::during`].
    fn status(remote: &Self::Remote, _op: Op) -> (String, Option<String>) {
        let o = Self::flatten(remote);
        (
            o.get("status")
                .and_then(|v| v.str())
                .unwrap_or("ACTIVE")
                .to_owned(),
            o.get("failure_reason")
                .and_then(|v| v.str())
                .map(str::to_owned),
        )
    }

    /// The resource as attribute values ([`ResourceType::find`], then
    /// [`ResourceType::flatten`]), `None` when it does not exist.
    async fn read(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError> {
        Ok(Self::find(c, arn).await?.map(|r| Self::flatten(&r)))
    }

    /// What a wait after `op` observes ([`ResourceType::find`], then
    /// [`ResourceType::status`]), `None` when the resource is gone.
    async fn observe(c: &Clients, arn: &str, op: Op) -> Result<Observed, AwsError> {
        Ok(Self::find(c, arn).await?.map(|r| Self::status(&r, op)))
    }

    /// Statuses to wait through after create; `None` when the resource is ready at once.
    fn create_target() -> Option<Target<'static>> {
        Some(wait::CREATING)
    }

    /// Applies in-place changes (tags are handled generically).
    async fn update(_c: &Clients, arn: &str, _prior: &Obj, _plan: &Obj) -> Result<(), AwsError> {
        Err(AwsError::local(format!(
            "{} ({arn}) cannot be updated in place",
            Self::DISPLAY
        )))
    }

    /// Replacements the attribute-level rule cannot see: a change inside a block that is
    /// otherwise updated in place (e.g. `solution_config`, where only `auto_training_config`
    /// and `events_config` change in place). Empty by default.
    fn replace_paths(_prior: &Obj, _planned: &Obj) -> Vec<AttributePath> {
        Vec::new()
    }

    /// Whether `update` started an asynchronous update to wait for.
    fn update_waits(_prior: &Obj, _plan: &Obj) -> bool {
        false
    }

    /// Statuses to wait through after an update that [`ResourceType::update_waits`]: by default an
    /// update ends ACTIVE; a recommender's may end INACTIVE (its `status` stops it).
    fn update_target() -> Target<'static> {
        wait::UPDATING
    }

    /// Calls Delete*; not-found is treated as done by the caller. A resource without a delete
    /// API ([`Lifecycle::NoDeleteApi`]) has nothing to call: by default destroy only forgets it.
    async fn delete(_c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        match Self::LIFECYCLE {
            Lifecycle::NoDeleteApi { .. } => Ok(()),
            Lifecycle::Deletable => Err(AwsError::local(format!(
                "{} ({arn}) has no delete call",
                Self::DISPLAY
            ))),
        }
    }

    /// The attribute holding a name Personalize never frees, from [`ResourceType::LIFECYCLE`]:
    /// a replacement that keeps it would fail at apply with ResourceAlreadyExistsException, so
    /// the plan refuses it and names the fix.
    fn single_use_name() -> Option<&'static str> {
        match Self::LIFECYCLE {
            Lifecycle::Deletable => None,
            Lifecycle::NoDeleteApi { name_attr } => Some(name_attr),
        }
    }

    /// Whether destroy waits for the resource to be gone, from [`ResourceType::LIFECYCLE`]
    /// (a resource without a delete API is only forgotten).
    fn delete_waits() -> bool {
        Self::LIFECYCLE == Lifecycle::Deletable
    }

    /// Whether a remote value means the same as the state's value, so state keeps its form.
    fn equivalent(_name: &str, _state: &Dyn, _remote: &Dyn) -> bool {
        false
    }
}

//! The generic Terraform resource: plan, unknowns, replacement, create/read/update/delete with
//! waits, import, and error wording, written once for every Personalize resource.
//!
//! A resource file implements [`ResourceType`] (its schema, its AWS calls, its finder) and
//! gets the behaviour of a first-class provider from [`Generic`]:
//! - plan: computed values become unknown; an optional-computed value left unset takes its
//!   default or becomes unknown; a change to a `force_new` attribute requires replacement;
//!   an in-place change marks `status` and `last_updated_date_time` unknown.
//! - create: the ARN goes into state as soon as AWS returns it, so a failed or interrupted
//!   wait leaves the resource in state, tainted, never orphaned.
//! - read: not-found removes the resource from state (with a `[WARN]` line for `TF_LOG`, see
//!   [`crate::framework::log`]); remote values replace state values,
//!   except where [`ResourceType::equivalent`] says they mean the same (e.g. reformatted JSON).
//! - destroy: not-found is done; otherwise waits until the resource is really gone, or, for a
//!   type without a delete API ([`Lifecycle::NoDeleteApi`]), until its job or training ended.
//!
//! The machinery is split by concern: [`ResourceType`] and its defaults
//! (`resource_type.rs`), validate and plan (`plan.rs`), apply: create, update and delete
//! (`apply.rs`), read and import (`read.rs`), and state conversion (`state.rs`).

use std::marker::PhantomData;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::framework::value::{Dyn, Obj};
use crate::provider::{ClientSlot, Clients};

mod apply;
mod plan;
mod read;
mod resource_type;
mod state;
#[cfg(test)]
mod tests;

pub use plan::check_attrs;
pub use resource_type::{Lifecycle, ResourceType};

/// A [`ResourceType`] wired to Terraform.
#[derive(Debug)]
pub struct Generic<K> {
    clients: ClientSlot,
    resource_type: PhantomData<fn() -> K>,
}

impl<K: ResourceType> Generic<K> {
    /// The resource, reading its clients from `clients` once configured.
    pub fn new(clients: &ClientSlot) -> Self {
        Self {
            clients: clients.clone(),
            resource_type: PhantomData,
        }
    }

    fn clients(&self, diags: &mut Diagnostics) -> Option<Clients> {
        match self.clients.get() {
            Ok(c) => Some(c),
            Err(e) => {
                diags.root_error_short(e);
                None
            }
        }
    }
}

#[async_trait]
impl<K: ResourceType> Resource for Generic<K> {
    type State<'a> = Obj;
    type PrivateState<'a> = Dyn;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(crate::framework::schema::resource_schema(
            &state::attributes::<K>(),
            K::description(),
            K::UPDATES,
        ))
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Obj) -> Option<()> {
        self.validate_config(diags, config).await
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Obj,
        private: Dyn,
        _meta: ValueEmpty,
    ) -> Option<(Obj, Dyn)> {
        self.read_state(diags, state, private).await
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Obj,
        config: Obj,
        _meta: ValueEmpty,
    ) -> Option<(Obj, Dyn)> {
        self.plan_new(diags, proposed, config).await
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Obj,
        proposed: Obj,
        config: Obj,
        private: Dyn,
        _meta: ValueEmpty,
    ) -> Option<(Obj, Dyn, Vec<AttributePath>)> {
        self.plan_change(diags, prior, proposed, config, private)
            .await
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Obj,
        private: Dyn,
        _meta: ValueEmpty,
    ) -> Option<Dyn> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Obj,
        config: Obj,
        private: Dyn,
        _meta: ValueEmpty,
    ) -> Option<(Obj, Dyn)> {
        self.apply_create(diags, planned, config, private).await
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Obj,
        planned: Obj,
        config: Obj,
        private: Dyn,
        _meta: ValueEmpty,
    ) -> Option<(Obj, Dyn)> {
        self.apply_update(diags, prior, planned, config, private)
            .await
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Obj,
        private: Dyn,
        _meta: ValueEmpty,
    ) -> Option<()> {
        self.apply_destroy(diags, state, private).await
    }

    async fn import<'a>(&self, diags: &mut Diagnostics, id: String) -> Option<(Obj, Dyn)> {
        self.import_state(diags, id).await
    }
}

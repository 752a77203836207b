//! The generic data source: validate the configured lookup key, call the finder, fill the
//! computed attributes. A missing object is an error naming what was looked up.

use std::marker::PhantomData;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::framework::error::AwsError;
use crate::framework::resource::check_attrs;
use crate::framework::schema::{data_source_schema, Attr, Mode};
use crate::framework::value::Obj;
use crate::provider::{ClientSlot, Clients};

/// What one data source adds to the generic machinery.
#[async_trait]
pub trait DataKind: Send + Sync + 'static {
    /// Human name used in diagnostics, e.g. `Recipe`.
    const DISPLAY: &'static str;
    /// The attribute that identifies the object (`name` or `arn`).
    const KEY: &'static str;
    /// Markdown description.
    fn description() -> &'static str;
    /// Attributes: the key (required) and computed ones.
    fn attributes() -> Vec<Attr>;
    /// Looks the object up by its key; `None` when it does not exist.
    async fn find(c: &Clients, key: &str) -> Result<Option<Obj>, AwsError>;
}

/// A [`DataKind`] wired to Terraform.
#[derive(Debug)]
pub struct GenericData<D> {
    clients: ClientSlot,
    kind: PhantomData<fn() -> D>,
}

impl<D: DataKind> GenericData<D> {
    /// The data source, reading its clients from `clients` once configured.
    pub fn new(clients: &ClientSlot) -> Self {
        Self {
            clients: clients.clone(),
            kind: PhantomData,
        }
    }
}

#[async_trait]
impl<D: DataKind> DataSource for GenericData<D> {
    type State<'a> = Obj;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(data_source_schema(&D::attributes(), D::description()))
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Obj) -> Option<()> {
        check_attrs(diags, &D::attributes(), &config, &AttributePath::root());
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Obj,
        _meta: ValueEmpty,
    ) -> Option<Obj> {
        let c = match self.clients.get() {
            Ok(c) => c,
            Err(e) => {
                diags.root_error_short(e);
                return None;
            }
        };
        let key = config
            .get(D::KEY)
            .and_then(|v| crate::framework::value::DynExt::str(v))
            .unwrap_or_default()
            .to_owned();
        match D::find(&c, &key).await {
            Ok(Some(found)) => {
                let mut state = config;
                for attr in D::attributes() {
                    if attr.mode == Mode::Computed {
                        let v = found.get(attr.name).cloned().unwrap_or(Value::Null);
                        state.insert(attr.name.to_owned(), v);
                    }
                }
                Some(state)
            }
            Ok(None) => {
                diags.error(
                    format!("{} not found", D::DISPLAY),
                    format!("no {} {key:?} exists", D::DISPLAY),
                    AttributePath::new(D::KEY),
                );
                None
            }
            Err(e) => {
                diags.root_error_short(format!("reading {} ({key}): {e}", D::DISPLAY));
                None
            }
        }
    }
}

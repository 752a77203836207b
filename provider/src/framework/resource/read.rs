//! Read and import: the finder's view merged into state, not-found removing the resource, and
//! an import checked against the resource type's ARN form.

use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::state::{arn_of, attributes, complete, fill_unknowns, keep_configured, taggable};
use super::{Generic, ResourceType};
use crate::framework::error::AwsError;
use crate::framework::schema::Mode;
use crate::framework::tags;
use crate::framework::value::{boolean, obj, string, string_map, Dyn, DynExt, Node, Obj};
use crate::provider::Clients;

/// Whether an ARN's resource part has `form`'s type and number of segments
/// (`solution/NAME` is a solution, `solution/NAME/ID` one of its versions).
pub(super) fn arn_has_form(arn: &str, form: &str) -> bool {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let (got, want): (Vec<&str>, Vec<&str>) =
        (resource.split('/').collect(), form.split('/').collect());
    got.len() == want.len() && got[0] == want[0] && got.iter().all(|s| !s.is_empty())
}

impl<K: ResourceType> Generic<K> {
    /// Merges the remote view into `state` (see the module doc). Every remote value is taken,
    /// nested blocks the configuration leaves out included, so drift always shows in the next
    /// plan; only an empty remote value over a null one, and what [`ResourceType::equivalent`] calls the
    /// same, keep the state's form.
    fn merge(state: &mut Obj, remote: Obj) {
        let attrs = K::attributes();
        for (k, v) in remote {
            let current = state.get(&k).cloned().unwrap_or(Value::Null);
            // What only the provider sets is taken as read, so an import reads what a create
            // does (e.g. an empty map, not null).
            let computed = crate::framework::schema::find(&attrs, &k)
                .is_some_and(|a| a.mode == Mode::Computed);
            let empty = match &v {
                Value::Value(Node::Map(m)) => m.is_empty(),
                Value::Value(Node::List(l)) => l.is_empty(),
                Value::Null => true,
                _ => false,
            };
            let keep = (!computed && empty && current.is_null())
                || (!current.is_null() && K::equivalent(&k, &current, &v));
            if !keep {
                state.insert(k, v);
            } else if let Some(current) = state.get_mut(&k) {
                fill_unknowns(current, &v);
            }
        }
    }

    /// Reads the resource into `state`; `Ok(false)` when it is gone.
    pub(super) async fn refresh(c: &Clients, arn: &str, state: &mut Obj) -> Result<bool, AwsError> {
        let Some(mut remote) = K::read(c, arn).await? else {
            return Ok(false);
        };
        let all_tags = if taggable(&K::attributes()) {
            let listed = tags::list(c, arn).await?;
            // After an import, the triggers come back from the tags that keep them.
            if state.get("triggers").is_some_and(Value::is_null) {
                if let Some(triggers) = tags::triggers_from(&listed) {
                    remote.insert("triggers".into(), string_map(triggers));
                }
            }
            let (own, all) = c.tags.read(&listed, state.get("tags"));
            remote.insert("tags".into(), string_map(own));
            Some(string_map(all))
        } else {
            None
        };
        remote.insert("arn".into(), string(arn));
        remote.insert("id".into(), string(arn));
        Self::merge(state, remote);
        if let Some(all) = all_tags {
            state.insert("tags_all".into(), all);
        }
        complete(&attributes::<K>(), state);
        Ok(true)
    }

    pub(super) async fn read_state(
        &self,
        diags: &mut Diagnostics,
        mut state: Obj,
        private: Dyn,
    ) -> Option<(Obj, Dyn)> {
        let c = self.clients(diags)?;
        let Some(arn) = arn_of(&state) else {
            diags.root_error_short(format!("{} has no ARN in state", K::DISPLAY));
            return Some((state, private));
        };
        let importing = private
            .obj()
            .and_then(|o| o.get("importing"))
            .and_then(|v| v.boolean())
            .unwrap_or(false);
        match Self::refresh(&c, &arn, &mut state).await {
            Ok(true) => Some((state, keep_configured(&private))),
            Ok(false) if importing => {
                diags.root_error(
                    format!("Cannot import non-existent {}", K::DISPLAY),
                    format!("{} ({arn}) does not exist", K::DISPLAY),
                );
                None
            }
            Ok(false) => {
                crate::framework::log::removing_from_state(K::DISPLAY, &arn);
                None
            }
            Err(e) => {
                diags.root_error_short(format!("reading {} ({arn}): {e}", K::DISPLAY));
                Some((state, private))
            }
        }
    }

    pub(super) async fn import_state(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Obj, Dyn)> {
        if let Err(reason) = crate::framework::validate::personalize_arn(&string(&id)) {
            diags.root_error(
                format!("Cannot import {}", K::DISPLAY),
                format!("the import ID must be the resource's ARN: {reason}"),
            );
            return None;
        }
        if !arn_has_form(&id, K::ARN_FORM) {
            diags.root_error(
                format!("Cannot import {}", K::DISPLAY),
                format!(
                    "{id} is not the ARN of a {}: expected arn:PARTITION:personalize:REGION:ACCOUNT:{}",
                    K::DISPLAY,
                    K::ARN_FORM
                ),
            );
            return None;
        }
        let mut state = Obj::new();
        state.insert("arn".into(), string(&id));
        state.insert("id".into(), string(&id));
        complete(&attributes::<K>(), &mut state);
        let mut private = Obj::new();
        private.insert("importing".into(), boolean(true));
        private.insert("adopted".into(), boolean(true));
        Some((state, obj(private)))
    }
}

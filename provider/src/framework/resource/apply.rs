//! Apply (Terraform's ApplyResourceChange): create, update and destroy, each with its waits.
//! A failed step leaves what is known in state ([`Generic::salvage`]), never an orphan.

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::state::{arn_of, attributes, private_for, taggable};
use super::{Generic, ResourceType};
use crate::framework::timeouts::Op;
use crate::framework::value::{
    map_of_strings, obj, string, unknowns_to_null, Dyn, DynExt, Node, Obj,
};
use crate::framework::wait::{self, Target, WaitError};
use crate::framework::{stop, tags};
use crate::provider::Clients;

/// The resource's identifying value for messages before it has an ARN.
pub(super) fn label(plan: &Obj) -> String {
    ["name", "job_name", "solution_arn"]
        .iter()
        .find_map(|k| plan.get(*k).and_then(|v| v.str()))
        .unwrap_or("new")
        .to_owned()
}

pub(super) fn verb(op: Op, target: &[&str]) -> String {
    match (op, target.first()) {
        (_, None) => "to be deleted".to_owned(),
        (Op::Delete, Some(_)) => "to settle before deletion".to_owned(),
        (_, Some(t)) => format!("to become {t}"),
    }
}

impl<K: ResourceType> Generic<K> {
    /// Waits for `want`; the error carries the wait's outcome and the full message.
    pub(super) async fn wait(
        c: &Clients,
        arn: &str,
        op: Op,
        want: Target<'_>,
        state: &Obj,
    ) -> Result<(), (Option<WaitError>, String)> {
        let timeout = K::TIMEOUTS
            .get(state.get("timeouts").unwrap_or(&Value::Null), op)
            .map_err(|e| (None, e))?;
        tracing::debug!(
            "Waiting for Personalize {} ({arn}) {} (timeout {timeout:?})",
            K::DISPLAY,
            verb(op, want.target)
        );
        wait::until(want, timeout, || K::observe(c, arn, op))
            .await
            .map(|_| ())
            .map_err(|e| {
                let message = format!(
                    "waiting for {} ({arn}) {}: {e}",
                    K::DISPLAY,
                    verb(op, want.target)
                );
                (Some(e), message)
            })
    }

    /// The state after a failed apply step: whatever is known, no unknowns.
    pub(super) async fn salvage(c: &Clients, arn: &str, mut state: Obj) -> Obj {
        state.insert("arn".into(), string(arn));
        state.insert("id".into(), string(arn));
        // Best effort: a failed refresh leaves the planned values, which is still a valid state.
        let _ = Self::refresh(c, arn, &mut state).await;
        let mut whole = obj(state);
        unknowns_to_null(&mut whole);
        match whole {
            Value::Value(Node::Map(m)) => m,
            _ => Obj::new(),
        }
    }

    pub(super) async fn apply_create(
        &self,
        diags: &mut Diagnostics,
        planned: Obj,
        config: Obj,
        _private: Dyn,
    ) -> Option<(Obj, Dyn)> {
        let c = self.clients(diags)?;
        if stop::is_requested() {
            diags.root_error_short(format!(
                "creating {} ({}): interrupted before the create call",
                K::DISPLAY,
                label(&planned)
            ));
            return None;
        }
        let mut planned = planned;
        if taggable(&K::attributes()) {
            planned.insert("tags_all".into(), c.tags.plan_all(planned.get("tags")));
        }
        let arn = match K::create(&c, &planned).await {
            Ok(arn) => arn,
            Err(e) => {
                diags.root_error_short(format!(
                    "creating {} ({}): {e}",
                    K::DISPLAY,
                    label(&planned)
                ));
                return None;
            }
        };
        let private = private_for(&K::attributes(), &config);
        let mut state = planned;
        state.insert("arn".into(), string(&arn));
        state.insert("id".into(), string(&arn));
        if let Some(target) = K::create_target() {
            if let Err((_, e)) = Self::wait(&c, &arn, Op::Create, target, &state).await {
                diags.root_error_short(e);
                return Some((Self::salvage(&c, &arn, state).await, private));
            }
        }
        match Self::refresh(&c, &arn, &mut state).await {
            Ok(true) => {}
            Ok(false) => {
                diags.root_error_short(format!(
                    "reading {} ({arn}) after create: it no longer exists",
                    K::DISPLAY
                ));
            }
            Err(e) => {
                diags.root_error_short(format!("reading {} ({arn}) after create: {e}", K::DISPLAY))
            }
        }
        let mut whole = obj(state);
        unknowns_to_null(&mut whole);
        let Value::Value(Node::Map(state)) = whole else {
            return None;
        };
        Some((state, private))
    }

    pub(super) async fn apply_update(
        &self,
        diags: &mut Diagnostics,
        prior: Obj,
        planned: Obj,
        config: Obj,
        private: Dyn,
    ) -> Option<(Obj, Dyn)> {
        let c = self.clients(diags)?;
        let arn = arn_of(&prior)?;
        let attrs = attributes::<K>();
        let changed_other = attrs
            .iter()
            .filter(|a| a.configurable() && !a.local && a.name != "tags")
            .any(|a| planned.get(a.name) != prior.get(a.name));
        let mut planned = planned;
        if taggable(&attrs) {
            planned.insert("tags_all".into(), c.tags.plan_all(planned.get("tags")));
        }
        let tags_of = |o: &Obj, k: &str| o.get(k).map(map_of_strings);
        let old_tags = tags_of(&prior, "tags_all")
            .or_else(|| tags_of(&prior, "tags"))
            .unwrap_or_default();
        let new_tags = tags_of(&planned, "tags_all").unwrap_or_default();
        if taggable(&attrs) && old_tags != new_tags {
            if let Err(e) = tags::update(&c, &arn, &old_tags, &new_tags).await {
                diags.error(
                    format!("updating tags of {} ({arn})", K::DISPLAY),
                    e.to_string(),
                    AttributePath::new("tags"),
                );
                return Some((Self::salvage(&c, &arn, prior).await, private));
            }
        }
        let mut state = planned.clone();
        if changed_other {
            if let Err(e) = K::update(&c, &arn, &prior, &planned).await {
                diags.root_error_short(format!("updating {} ({arn}): {e}", K::DISPLAY));
                return Some((Self::salvage(&c, &arn, prior).await, private));
            }
            if K::update_waits(&prior, &planned) {
                if let Err((_, e)) =
                    Self::wait(&c, &arn, Op::Update, K::update_target(), &planned).await
                {
                    diags.root_error_short(e);
                    return Some((Self::salvage(&c, &arn, state).await, private));
                }
            }
        }
        match Self::refresh(&c, &arn, &mut state).await {
            Ok(true) => {}
            Ok(false) => diags.root_error_short(format!(
                "reading {} ({arn}) after update: it no longer exists",
                K::DISPLAY
            )),
            Err(e) => {
                diags.root_error_short(format!("reading {} ({arn}) after update: {e}", K::DISPLAY))
            }
        }
        let mut whole = obj(state);
        unknowns_to_null(&mut whole);
        let Value::Value(Node::Map(state)) = whole else {
            return None;
        };
        Some((state, private_for(&attrs, &config)))
    }

    pub(super) async fn apply_destroy(
        &self,
        diags: &mut Diagnostics,
        state: Obj,
        _private: Dyn,
    ) -> Option<()> {
        let c = self.clients(diags)?;
        let Some(arn) = arn_of(&state) else {
            return Some(());
        };
        if K::create_target().is_some() && K::delete_waits() {
            // Let a create or update in progress (an interrupted or timed-out apply) finish
            // first; anything but a pending status goes on to the delete call.
            match Self::wait(&c, &arn, Op::Delete, wait::SETTLING, &state).await {
                Ok(()) | Err((Some(WaitError::Failed { .. }), _)) => {}
                Err((Some(WaitError::Gone), _)) => return Some(()),
                Err((_, message)) => {
                    diags.root_error_short(message);
                    return None;
                }
            }
        }
        match K::delete(&c, &arn, &state).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => return Some(()),
            Err(e) => {
                diags.root_error_short(format!("deleting {} ({arn}): {e}", K::DISPLAY));
                return None;
            }
        }
        let after = match (K::delete_waits(), K::create_target()) {
            (true, _) => wait::DELETING,
            // Nothing to delete: wait for the job or training to end (see wait::FINISHING).
            (false, Some(_)) => wait::FINISHING,
            (false, None) => return Some(()),
        };
        match Self::wait(&c, &arn, Op::Delete, after, &state).await {
            Ok(()) | Err((Some(WaitError::Gone | WaitError::Failed { .. }), _))
                if !K::delete_waits() => {}
            Ok(()) => {}
            Err((_, e)) => {
                diags.root_error_short(e);
                return None;
            }
        }
        Some(())
    }
}

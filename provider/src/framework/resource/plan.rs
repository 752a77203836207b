//! Validate and plan (Terraform's ValidateResourceConfig and PlanResourceChange): attribute
//! checks, computed values marked unknown, optional-computed values that fall back when removed,
//! replacement, and `tags_all`.

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::state::{attributes, configured_set, path_of, taggable};
use super::{Generic, ResourceType};
use crate::framework::schema::{Attr, Mode, Ty};
use crate::framework::timeouts;
use crate::framework::value::{Dyn, DynExt, Node, Obj};

/// Reports every attribute whose known value its check refuses, at the attribute's path.
pub fn check_attrs(diags: &mut Diagnostics, attrs: &[Attr], config: &Obj, at: &AttributePath) {
    for attr in attrs {
        let Some(value) = config.get(attr.name) else {
            continue;
        };
        let path = at.clone().attribute(attr.name);
        if let Some(inner) = attr.ty.nested() {
            let items = value.list().unwrap_or_default();
            if let Ty::Blocks(_, max) | Ty::BlockSet(_, max) = attr.ty {
                if items.len() > max {
                    diags.error(
                        format!("Too many {} blocks", attr.name),
                        format!("at most {max} are allowed, got {}", items.len()),
                        path.clone(),
                    );
                }
            }
            for (i, item) in items.iter().enumerate() {
                if let Some(o) = item.obj() {
                    check_attrs(diags, inner, o, &path.clone().index(i as i64));
                }
            }
        }
        if let (Some(check), Value::Value(_)) = (attr.check, value) {
            if value.has_unknown() {
                continue;
            }
            if let Err(reason) = check(value) {
                diags.error(format!("Invalid value for {}", attr.name), reason, path);
            }
        }
    }
}

pub(super) fn check_timeouts(diags: &mut Diagnostics, config: &Obj) {
    let Some(block) = config
        .get("timeouts")
        .and_then(|v| v.list())
        .and_then(|l| l.first())
        .and_then(|v| v.obj())
    else {
        return;
    };
    for (op, v) in block {
        if let Some(text) = v.str() {
            if let Err(reason) = timeouts::parse_duration(text) {
                diags.error(
                    format!("Invalid value for timeouts.{op}"),
                    reason,
                    AttributePath::new("timeouts")
                        .index(0)
                        .attribute(op.clone()),
                );
            }
        }
    }
}

/// Marks what the provider will compute: computed attributes, and optional-computed ones the
/// configuration leaves unset (their default when they have one).
pub(super) fn mark_computed(attrs: &[Attr], planned: &mut Obj, config: Option<&Obj>) {
    for attr in attrs {
        let configured = config
            .and_then(|c| c.get(attr.name))
            .is_some_and(|v| !v.is_null());
        match (&attr.ty, attr.mode) {
            (Ty::Block(inner) | Ty::Blocks(inner, _) | Ty::BlockSet(inner, _), _) => {
                let cfg_items = config
                    .and_then(|c| c.get(attr.name))
                    .and_then(|v| v.list())
                    .unwrap_or_default();
                if let Some(Value::Value(Node::List(items))) = planned.get_mut(attr.name) {
                    for (i, item) in items.iter_mut().enumerate() {
                        if let Value::Value(Node::Map(o)) = item {
                            mark_computed(inner, o, cfg_items.get(i).and_then(|v| v.obj()));
                        }
                    }
                }
            }
            (_, Mode::Computed) => {
                planned.insert(attr.name.to_owned(), Value::Unknown);
            }
            (_, Mode::OptionalComputed) if !configured => {
                let value = attr.default.clone().unwrap_or(Value::Unknown);
                planned.insert(attr.name.to_owned(), value);
            }
            _ => {}
        }
    }
}

/// Plans what an optional-computed attribute the configuration leaves unset falls back to:
/// its default when AWS documents one (so removing `min_provisioned_tps = 2` plans 1), unknown
/// when the user had set it and AWS will decide, and otherwise the value AWS chose. Terraform
/// proposes the prior value for all three, which would hide a removal.
pub(super) fn revert_removed(
    attrs: &[Attr],
    planned: &mut Obj,
    config: Option<&Obj>,
    prior: Option<&Obj>,
    configured: &std::collections::BTreeSet<String>,
    prefix: &str,
) {
    let Some(prior) = prior else {
        // A block item added by this change: planned as at create.
        mark_computed(attrs, planned, config);
        return;
    };
    for attr in attrs {
        let path = path_of(prefix, attr.name);
        let in_config = config.and_then(|c| c.get(attr.name));
        if let Some(inner) = attr.ty.nested() {
            let cfg_items = in_config.and_then(|v| v.list()).unwrap_or_default();
            let prior_items = prior
                .get(attr.name)
                .and_then(|v| v.list())
                .unwrap_or_default();
            if let Some(Value::Value(Node::List(items))) = planned.get_mut(attr.name) {
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Value(Node::Map(o)) = item {
                        let cfg = cfg_items.get(i).and_then(|v| v.obj());
                        let before = prior_items.get(i).and_then(|v| v.obj());
                        revert_removed(inner, o, cfg, before, configured, &format!("{path}.{i}"));
                    }
                }
            }
            continue;
        }
        if attr.mode != Mode::OptionalComputed || in_config.is_some_and(|v| !v.is_null()) {
            continue;
        }
        match &attr.default {
            Some(default) => {
                planned.insert(attr.name.to_owned(), default.clone());
            }
            None if configured.contains(&path) => {
                planned.insert(attr.name.to_owned(), Value::Unknown);
            }
            None => {}
        }
    }
}

impl<K: ResourceType> Generic<K> {
    /// Plans `tags_all` from `tags` and the provider's tag configuration (unknown before the
    /// provider is configured, or while a tag is).
    fn plan_tags_all(&self, planned: &mut Obj) {
        if !taggable(&K::attributes()) {
            return;
        }
        let all = match self.clients.get() {
            Ok(c) => c.tags.plan_all(planned.get("tags")),
            Err(_) => Value::Unknown,
        };
        planned.insert("tags_all".into(), all);
    }

    pub(super) async fn validate_config(&self, diags: &mut Diagnostics, config: Obj) -> Option<()> {
        check_attrs(diags, &attributes::<K>(), &config, &AttributePath::root());
        check_timeouts(diags, &config);
        K::validate(&config, diags);
        Some(())
    }

    pub(super) async fn plan_new(
        &self,
        _diags: &mut Diagnostics,
        proposed: Obj,
        config: Obj,
    ) -> Option<(Obj, Dyn)> {
        let mut planned = proposed;
        mark_computed(&attributes::<K>(), &mut planned, Some(&config));
        self.plan_tags_all(&mut planned);
        K::plan(None, &mut planned, &config);
        Some((planned, Value::Null))
    }

    pub(super) async fn plan_change(
        &self,
        diags: &mut Diagnostics,
        prior: Obj,
        proposed: Obj,
        config: Obj,
        private: Dyn,
    ) -> Option<(Obj, Dyn, Vec<AttributePath>)> {
        let mut planned = proposed;
        let attrs = attributes::<K>();
        revert_removed(
            &attrs,
            &mut planned,
            Some(&config),
            Some(&prior),
            &configured_set(&private),
            "",
        );
        let changed: Vec<&Attr> = attrs
            .iter()
            .filter(|a| a.configurable())
            .filter(|a| planned.get(a.name) != prior.get(a.name))
            .collect();
        // After an import, what only Terraform keeps (`triggers`) is adopted from the
        // configuration: replacing would, e.g., retrain the imported solution version.
        let adopting = private
            .obj()
            .and_then(|o| o.get("adopted"))
            .and_then(|v| v.boolean())
            == Some(true);
        let mut replace: Vec<AttributePath> = changed
            .iter()
            .filter(|a| a.force_new)
            .filter(|a| !(a.local && adopting && prior.get(a.name).is_none_or(Value::is_null)))
            .map(|a| AttributePath::new(a.name))
            .collect();
        replace.extend(K::replace_paths(&prior, &planned));
        if let Some(key) = K::single_use_name() {
            let kept = planned.get(key).and_then(|v| v.str());
            if !replace.is_empty() && kept.is_some() && kept == prior.get(key).and_then(|v| v.str())
            {
                let changed: Vec<String> = changed
                    .iter()
                    .filter(|a| a.force_new)
                    .map(|a| a.name.to_owned())
                    .collect();
                diags.error(
                    format!("{key} must change when the {} is replaced", K::DISPLAY),
                    format!(
                        "changing {} replaces the {display}, but Personalize keeps every {display} and its {key} {:?} for good (it has no delete API), so creating the new one under the same {key} would fail with ResourceAlreadyExistsException. Give it a new {key} in the same change, e.g. with a version or date suffix.",
                        changed.join(", "),
                        kept.unwrap_or_default(),
                        display = K::DISPLAY.to_lowercase(),
                    ),
                    AttributePath::new(key),
                );
                return None;
            }
        }
        if replace.is_empty() && changed.iter().any(|a| a.name != "tags") {
            for key in [
                "status",
                "last_updated_date_time",
                "latest_campaign_update",
                "latest_dataset_update",
                "latest_recommender_update",
                "latest_solution_update",
            ] {
                // A value the configuration sets (a recommender's desired `status`) is planned
                // as configured, not left to the update.
                let configured = config.get(key).is_some_and(|v| !v.is_null());
                if planned.contains_key(key) && !configured {
                    planned.insert(key.to_owned(), Value::Unknown);
                }
            }
        }
        self.plan_tags_all(&mut planned);
        K::plan(Some(&prior), &mut planned, &config);
        Some((planned, private, replace))
    }
}

//! The generic Terraform resource: plan, unknowns, replacement, create/read/update/delete with
//! waits, import, and error wording, written once for every Personalize resource.
//!
//! A resource file implements [`Kind`] (its schema, its AWS calls, its finder) and gets the
//! behaviour of a first-class provider from [`Generic`]:
//! - plan: computed values become unknown; an optional-computed value left unset takes its
//!   default or becomes unknown; a change to a `force_new` attribute requires replacement;
//!   an in-place change marks `status` and `last_updated_date_time` unknown.
//! - create: the ARN goes into state as soon as AWS returns it, so a failed or interrupted
//!   wait leaves the resource in state, tainted, never orphaned.
//! - read: not-found removes the resource from state; remote values replace state values,
//!   except where [`Kind::equivalent`] says they mean the same (e.g. reformatted JSON).
//! - destroy: not-found is done; otherwise waits until the resource is really gone.

use std::marker::PhantomData;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::error::AwsError;
use super::schema::{Attr, Mode, Ty};
use super::timeouts::{self, Op, Timeouts};
use super::value::{
    list, map_of_strings, obj, s, string_map, unknowns_to_null, Dyn, DynExt, Node, Obj,
};
use super::wait::{self, Observed, Target, WaitError};
use super::{stop, tags};
use crate::provider::{ClientSlot, Clients};

/// What one Personalize resource type adds to the generic machinery.
#[async_trait]
pub trait Kind: Send + Sync + 'static {
    /// Human name used in diagnostics, e.g. `Dataset Group`.
    const DISPLAY: &'static str;
    /// The resource part of its ARNs, e.g. `campaign/NAME`: import refuses an ARN of another
    /// type (same first segment, same number of segments).
    const ARN_FORM: &'static str;
    /// Default timeouts.
    const TIMEOUTS: Timeouts;
    /// Whether some attributes update in place (adds `timeouts.update`).
    const UPDATES: bool;

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

    /// The resource as attribute values (the finder), `None` when Personalize says it does
    /// not exist. Attributes the API does not return are left out and keep their state value.
    async fn find(c: &Clients, arn: &str) -> Result<Option<Obj>, AwsError>;

    /// Status and failure reason for the wait after `op`; by default the `status` and
    /// `failure_reason` attributes of [`Kind::find`].
    async fn status(c: &Clients, arn: &str, _op: Op) -> Result<Observed, AwsError> {
        Ok(Self::find(c, arn).await?.map(|o| {
            (
                o.get("status")
                    .and_then(|v| v.str())
                    .unwrap_or("ACTIVE")
                    .to_owned(),
                o.get("failure_reason")
                    .and_then(|v| v.str())
                    .map(str::to_owned),
            )
        }))
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

    /// Statuses to wait through after an update that [`Kind::update_waits`]: by default an
    /// update ends ACTIVE; a recommender's may end INACTIVE (its `status` stops it).
    fn update_target() -> Target<'static> {
        wait::UPDATING
    }

    /// Calls Delete*; not-found is treated as done by the caller.
    async fn delete(c: &Clients, arn: &str, state: &Obj) -> Result<(), AwsError>;

    /// The attribute holding a name Personalize never frees (import jobs and solution versions
    /// have no delete API): a replacement that keeps it would fail at apply with
    /// ResourceAlreadyExistsException, so the plan refuses it and names the fix.
    fn single_use_name() -> Option<&'static str> {
        None
    }

    /// Whether destroy waits for the resource to be gone (false for solution versions, which
    /// have no delete API and are only forgotten).
    fn delete_waits() -> bool {
        true
    }

    /// Whether a remote value means the same as the state's value, so state keeps its form.
    fn equivalent(_name: &str, _state: &Dyn, _remote: &Dyn) -> bool {
        false
    }
}

/// A [`Kind`] wired to Terraform.
#[derive(Debug)]
pub struct Generic<K> {
    clients: ClientSlot,
    kind: PhantomData<fn() -> K>,
}

impl<K: Kind> Generic<K> {
    /// The resource, reading its clients from `clients` once configured.
    pub fn new(clients: &ClientSlot) -> Self {
        Self {
            clients: clients.clone(),
            kind: PhantomData,
        }
    }
}

/// The resource's attributes as Terraform sees them: a taggable resource (one with `tags`) also
/// gets the computed `tags_all` (see [`tags`]).
fn attributes<K: Kind>() -> Vec<Attr> {
    let mut attrs = K::attributes();
    if taggable(&attrs) {
        attrs.push(tags::tags_all_attr());
    }
    attrs
}

fn taggable(attrs: &[Attr]) -> bool {
    attrs.iter().any(|a| a.name == "tags")
}

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

fn check_timeouts(diags: &mut Diagnostics, config: &Obj) {
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
fn mark_computed(attrs: &[Attr], planned: &mut Obj, config: Option<&Obj>) {
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

/// Where an attribute sits, for the private record of what the configuration set: names joined
/// by `.`, block items by their index (`campaign_config.0.item_exploration_config`).
fn path_of(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The optional-computed attributes `config` sets, as [`path_of`] names them.
fn configured_paths(attrs: &[Attr], config: &Obj, prefix: &str, out: &mut Vec<Dyn>) {
    for attr in attrs {
        let Some(value) = config.get(attr.name).filter(|v| !v.is_null()) else {
            continue;
        };
        let path = path_of(prefix, attr.name);
        if let Some(inner) = attr.ty.nested() {
            for (i, item) in value.list().unwrap_or_default().iter().enumerate() {
                if let Some(o) = item.obj() {
                    configured_paths(inner, o, &format!("{path}.{i}"), out);
                }
            }
        } else if attr.mode == Mode::OptionalComputed {
            out.push(s(path));
        }
    }
}

/// The private state an apply leaves: which optional-computed attributes the configuration
/// set. A later plan tells from it a value the user removed (it falls back to what AWS decides)
/// from one AWS chose (it stays as it is).
fn private_for(attrs: &[Attr], config: &Obj) -> Dyn {
    let mut paths = Vec::new();
    configured_paths(attrs, config, "", &mut paths);
    let mut o = Obj::new();
    o.insert("configured".into(), list(paths));
    obj(o)
}

/// The private state a read passes on: the record of configured attributes and whether the
/// resource was imported since the last apply, without the import marker (an import has read
/// the resource once it returns).
fn keep_configured(private: &Dyn) -> Dyn {
    let mut o = Obj::new();
    for key in ["configured", "adopted"] {
        if let Some(c) = private.obj().and_then(|o| o.get(key)) {
            o.insert(key.into(), c.clone());
        }
    }
    obj(o)
}

/// The paths of [`private_for`].
fn configured_set(private: &Dyn) -> std::collections::BTreeSet<String> {
    private
        .obj()
        .and_then(|o| o.get("configured"))
        .and_then(|v| v.list())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.str().map(str::to_owned))
        .collect()
}

/// Plans what an optional-computed attribute the configuration leaves unset falls back to:
/// its default when AWS documents one (so removing `min_provisioned_tps = 2` plans 1), unknown
/// when the user had set it and AWS will decide, and otherwise the value AWS chose. Terraform
/// proposes the prior value for all three, which would hide a removal.
fn revert_removed(
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

/// Replaces what is unknown inside `state` (what AWS was to decide) by the remote value at the
/// same place, when the rest of the state's form is kept.
fn fill_unknowns(state: &mut Dyn, remote: &Dyn) {
    match (state, remote) {
        (v @ Value::Unknown, r) => *v = r.clone(),
        (Value::Value(Node::List(l)), Value::Value(Node::List(r))) => {
            for (s, r) in l.iter_mut().zip(r) {
                fill_unknowns(s, r);
            }
        }
        (Value::Value(Node::Map(m)), Value::Value(Node::Map(r))) => {
            for (k, s) in m.iter_mut() {
                fill_unknowns(s, r.get(k).unwrap_or(&Value::Null));
            }
        }
        _ => {}
    }
}

/// Fills every schema attribute missing from a resource object with null (and blocks with an
/// empty list, `timeouts` included), so Terraform always receives complete objects.
fn complete(attrs: &[Attr], o: &mut Obj) {
    complete_block(attrs, o);
    o.entry("timeouts".to_owned())
        .or_insert_with(|| list(vec![]));
}

fn complete_block(attrs: &[Attr], o: &mut Obj) {
    for attr in attrs {
        match attr.ty.nested() {
            Some(inner) => {
                let entry = o
                    .entry(attr.name.to_owned())
                    .or_insert_with(|| list(vec![]));
                if entry.is_null() {
                    *entry = list(vec![]);
                }
                if let Value::Value(Node::List(items)) = entry {
                    for item in items {
                        if let Value::Value(Node::Map(m)) = item {
                            complete_block(inner, m);
                        }
                    }
                }
            }
            None => {
                o.entry(attr.name.to_owned()).or_insert(Value::Null);
            }
        }
    }
}

/// Whether an ARN's resource part has `form`'s type and number of segments
/// (`solution/NAME` is a solution, `solution/NAME/ID` one of its versions).
fn arn_has_form(arn: &str, form: &str) -> bool {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let (got, want): (Vec<&str>, Vec<&str>) =
        (resource.split('/').collect(), form.split('/').collect());
    got.len() == want.len() && got[0] == want[0] && got.iter().all(|s| !s.is_empty())
}

/// The resource's identifying value for messages before it has an ARN.
fn label(plan: &Obj) -> String {
    ["name", "job_name", "solution_arn"]
        .iter()
        .find_map(|k| plan.get(*k).and_then(|v| v.str()))
        .unwrap_or("new")
        .to_owned()
}

fn arn_of(state: &Obj) -> Option<String> {
    state
        .get("arn")
        .and_then(|v| v.str())
        .or_else(|| state.get("id").and_then(|v| v.str()))
        .map(str::to_owned)
}

fn verb(op: Op, target: &[&str]) -> String {
    match (op, target.first()) {
        (_, None) => "to be deleted".to_owned(),
        (Op::Delete, Some(_)) => "to settle before deletion".to_owned(),
        (_, Some(t)) => format!("to become {t}"),
    }
}

impl<K: Kind> Generic<K> {
    fn clients(&self, diags: &mut Diagnostics) -> Option<Clients> {
        match self.clients.get() {
            Ok(c) => Some(c),
            Err(e) => {
                diags.root_error_short(e);
                None
            }
        }
    }

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

    /// Merges the remote view into `state` (see the module doc). Every remote value is taken,
    /// nested blocks the configuration leaves out included, so drift always shows in the next
    /// plan; only an empty remote value over a null one, and what [`Kind::equivalent`] calls the
    /// same, keep the state's form.
    fn merge(state: &mut Obj, remote: Obj) {
        let attrs = K::attributes();
        for (k, v) in remote {
            let current = state.get(&k).cloned().unwrap_or(Value::Null);
            // What only the provider sets is taken as read, so an import reads what a create
            // does (e.g. an empty map, not null).
            let computed =
                super::schema::find(&attrs, &k).is_some_and(|a| a.mode == Mode::Computed);
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
    async fn refresh(c: &Clients, arn: &str, state: &mut Obj) -> Result<bool, AwsError> {
        let Some(mut remote) = K::find(c, arn).await? else {
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
        remote.insert("arn".into(), s(arn));
        remote.insert("id".into(), s(arn));
        Self::merge(state, remote);
        if let Some(all) = all_tags {
            state.insert("tags_all".into(), all);
        }
        complete(&attributes::<K>(), state);
        Ok(true)
    }

    /// Waits for `want`; the error carries the wait's outcome and the full message.
    async fn wait(
        c: &Clients,
        arn: &str,
        op: Op,
        want: Target<'_>,
        state: &Obj,
    ) -> Result<(), (Option<WaitError>, String)> {
        let timeout = K::TIMEOUTS
            .get(state.get("timeouts").unwrap_or(&Value::Null), op)
            .map_err(|e| (None, e))?;
        wait::until(want, timeout, || K::status(c, arn, op))
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
    async fn salvage(c: &Clients, arn: &str, mut state: Obj) -> Obj {
        state.insert("arn".into(), s(arn));
        state.insert("id".into(), s(arn));
        // Best effort: a failed refresh leaves the planned values, which is still a valid state.
        let _ = Self::refresh(c, arn, &mut state).await;
        let mut whole = obj(state);
        unknowns_to_null(&mut whole);
        match whole {
            Value::Value(Node::Map(m)) => m,
            _ => Obj::new(),
        }
    }
}

#[async_trait]
impl<K: Kind> Resource for Generic<K> {
    type State<'a> = Obj;
    type PrivateState<'a> = Dyn;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(super::schema::resource_schema(
            &attributes::<K>(),
            K::description(),
            K::UPDATES,
        ))
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Obj) -> Option<()> {
        check_attrs(diags, &attributes::<K>(), &config, &AttributePath::root());
        check_timeouts(diags, &config);
        K::validate(&config, diags);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        mut state: Obj,
        private: Dyn,
        _meta: ValueEmpty,
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
            Ok(false) => None,
            Err(e) => {
                diags.root_error_short(format!("reading {} ({arn}): {e}", K::DISPLAY));
                Some((state, private))
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        proposed: Obj,
        config: Obj,
        _meta: ValueEmpty,
    ) -> Option<(Obj, Dyn)> {
        let mut planned = proposed;
        mark_computed(&attributes::<K>(), &mut planned, Some(&config));
        self.plan_tags_all(&mut planned);
        K::plan(None, &mut planned, &config);
        Some((planned, Value::Null))
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
        _private: Dyn,
        _meta: ValueEmpty,
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
        state.insert("arn".into(), s(&arn));
        state.insert("id".into(), s(&arn));
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

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Obj,
        planned: Obj,
        config: Obj,
        private: Dyn,
        _meta: ValueEmpty,
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

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Obj,
        _private: Dyn,
        _meta: ValueEmpty,
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

    async fn import<'a>(&self, diags: &mut Diagnostics, id: String) -> Option<(Obj, Dyn)> {
        if let Err(reason) = super::validate::personalize_arn(&s(&id)) {
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
        state.insert("arn".into(), s(&id));
        state.insert("id".into(), s(&id));
        complete(&attributes::<K>(), &mut state);
        let mut private = Obj::new();
        private.insert("importing".into(), super::value::b(true));
        private.insert("adopted".into(), super::value::b(true));
        Some((state, obj(private)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::Attr;
    use crate::framework::value::n;

    fn attrs() -> Vec<Attr> {
        vec![
            Attr::required("name", Ty::String, "n").force_new(),
            Attr::optional_computed("tps", Ty::Number, "t").default(n(1.0)),
            Attr::optional_computed("mode", Ty::String, "m"),
            Attr::computed("status", Ty::String, "s"),
            Attr::optional(
                "cfg",
                Ty::Block(vec![Attr::optional_computed("x", Ty::String, "x")]),
                "c",
            ),
        ]
    }

    #[test]
    fn plan_marks_computed_defaults_and_nested_unknowns() {
        let mut inner = Obj::new();
        inner.insert("x".into(), Value::Null);
        let mut config = Obj::new();
        config.insert("name".into(), s("a"));
        config.insert("cfg".into(), list(vec![obj(inner)]));
        let mut planned = config.clone();
        mark_computed(&attrs(), &mut planned, Some(&config));
        assert_eq!(planned["status"], Value::Unknown);
        assert_eq!(planned["tps"], n(1.0));
        assert_eq!(planned["mode"], Value::Unknown);
        assert_eq!(
            planned["cfg"].list().unwrap()[0].obj().unwrap()["x"],
            Value::Unknown
        );
        assert_eq!(planned["name"], s("a"));
    }

    #[test]
    fn import_ids_must_have_the_resource_types_form() {
        let arn = |r: &str| format!("arn:aws:personalize:us-east-1:123456789012:{r}");
        assert!(arn_has_form(&arn("solution/s"), "solution/NAME"));
        assert!(!arn_has_form(&arn("solution/s/1a2b"), "solution/NAME"));
        assert!(arn_has_form(&arn("solution/s/1a2b"), "solution/NAME/ID"));
        assert!(!arn_has_form(&arn("campaign/c"), "solution/NAME"));
        assert!(!arn_has_form(&arn("solution/"), "solution/NAME"));
        assert!(arn_has_form(
            &arn("dataset/g/INTERACTIONS"),
            "dataset/GROUP/TYPE"
        ));
        assert!(!arn_has_form(&arn("dataset-group/g"), "dataset/GROUP/TYPE"));
    }

    #[test]
    fn removed_optional_computed_values_fall_back() {
        let attrs = attrs();
        let mut prior = Obj::new();
        prior.insert("tps".into(), n(2.0));
        prior.insert("mode".into(), s("chosen"));
        let mut inner = Obj::new();
        inner.insert("x".into(), s("set"));
        prior.insert("cfg".into(), list(vec![obj(inner)]));
        let mut config = Obj::new();
        config.insert("cfg".into(), list(vec![obj(Obj::new())]));
        // Never configured: AWS's choice stays; configured then removed: unknown; a default
        // is planned whatever happened before.
        let mut planned = prior.clone();
        revert_removed(
            &attrs,
            &mut planned,
            Some(&config),
            Some(&prior),
            &Default::default(),
            "",
        );
        assert_eq!(planned["tps"], n(1.0));
        assert_eq!(planned["mode"], s("chosen"));
        assert_eq!(
            planned["cfg"].list().unwrap()[0].obj().unwrap()["x"],
            s("set")
        );
        let mut full = config.clone();
        full.insert("mode".into(), s("mine"));
        let mut inner = Obj::new();
        inner.insert("x".into(), s("set"));
        full.insert("cfg".into(), list(vec![obj(inner)]));
        let configured = configured_set(&private_for(&attrs, &full));
        assert_eq!(
            configured.iter().map(String::as_str).collect::<Vec<_>>(),
            ["cfg.0.x", "mode"]
        );
        let mut planned = prior.clone();
        revert_removed(
            &attrs,
            &mut planned,
            Some(&config),
            Some(&prior),
            &configured,
            "",
        );
        assert_eq!(planned["mode"], Value::Unknown);
        assert_eq!(
            planned["cfg"].list().unwrap()[0].obj().unwrap()["x"],
            Value::Unknown
        );
        assert_eq!(
            configured_set(&keep_configured(&private_for(&attrs, &full))),
            configured
        );
    }

    #[test]
    fn unknowns_take_the_remote_value_at_their_place() {
        let mut inner = Obj::new();
        inner.insert("x".into(), Value::Unknown);
        inner.insert("y".into(), s("kept"));
        let mut state = list(vec![obj(inner)]);
        let mut remote_inner = Obj::new();
        remote_inner.insert("x".into(), s("aws"));
        remote_inner.insert("y".into(), s("other form"));
        fill_unknowns(&mut state, &list(vec![obj(remote_inner)]));
        let o = state.list().unwrap()[0].obj().unwrap();
        assert_eq!(o["x"], s("aws"));
        assert_eq!(o["y"], s("kept"));
    }

    #[test]
    fn complete_fills_nulls_and_empty_blocks() {
        let mut o = Obj::new();
        complete(&attrs(), &mut o);
        assert_eq!(o["name"], Value::Null);
        assert_eq!(o["cfg"], list(vec![]));
        assert_eq!(o["timeouts"], list(vec![]));
    }

    #[test]
    fn check_attrs_points_at_the_nested_attribute() {
        let attrs = vec![Attr::optional(
            "cfg",
            Ty::Block(vec![
                Attr::optional("x", Ty::String, "x").check(|_| Err("nope".into()))
            ]),
            "c",
        )];
        let mut inner = Obj::new();
        inner.insert("x".into(), s("bad"));
        let mut config = Obj::new();
        config.insert("cfg".into(), list(vec![obj(inner)]));
        let mut diags = Diagnostics::default();
        check_attrs(&mut diags, &attrs, &config, &AttributePath::root());
        assert_eq!(diags.errors.len(), 1);
        assert_eq!(
            diags.errors[0].attribute,
            AttributePath::new("cfg").index(0).attribute("x")
        );
    }

    #[test]
    fn repeated_blocks_are_counted_and_checked_per_item_and_whole() {
        let attrs = vec![Attr::optional(
            "item",
            Ty::Blocks(
                vec![Attr::required("x", Ty::String, "x")
                    .check(|v| crate::framework::validate::max_len(v, 3))],
                2,
            ),
            "i",
        )
        .check(|v| match v.list().map(<[Dyn]>::len) {
            Some(n) if n % 2 == 1 => Err(format!("odd count {n}")),
            _ => Ok(()),
        })];
        let item = |x: &str| {
            let mut o = Obj::new();
            o.insert("x".into(), s(x));
            obj(o)
        };
        let mut config = Obj::new();
        config.insert("item".into(), list(vec![item("ok"), item("long")]));
        let mut diags = Diagnostics::default();
        check_attrs(&mut diags, &attrs, &config, &AttributePath::root());
        assert_eq!(diags.errors.len(), 1, "{:?}", diags.errors);
        assert_eq!(
            diags.errors[0].attribute,
            AttributePath::new("item").index(1).attribute("x")
        );
        config.insert("item".into(), list(vec![item("a"), item("b"), item("c")]));
        let mut diags = Diagnostics::default();
        check_attrs(&mut diags, &attrs, &config, &AttributePath::root());
        let summaries: Vec<&str> = diags.errors.iter().map(|e| e.summary.as_ref()).collect();
        assert_eq!(
            summaries,
            ["Too many item blocks", "Invalid value for item"]
        );
        assert!(diags.errors[0].detail.contains("at most 2"));
        assert!(diags.errors[1].detail.contains("odd count 3"));
        let mut o = Obj::new();
        complete(&attrs, &mut o);
        assert_eq!(o["item"], list(vec![]));
    }
}

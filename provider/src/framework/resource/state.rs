//! State conversion: the attributes Terraform sees, complete state objects, the ARN a state
//! holds, unknowns filled from remote values, and the private record of what the configuration
//! set.

use tf_provider::value::Value;

use super::ResourceType;
use crate::framework::schema::{Attr, Mode};
use crate::framework::tags;
use crate::framework::value::{list, obj, string, Dyn, DynExt, Node, Obj};

/// The resource's attributes as Terraform sees them: a taggable resource (one with `tags`) also
/// gets the computed `tags_all` (see [`tags`]).
pub(super) fn attributes<K: ResourceType>() -> Vec<Attr> {
    let mut attrs = K::attributes();
    if taggable(&attrs) {
        attrs.push(tags::tags_all_attr());
    }
    attrs
}

pub(super) fn taggable(attrs: &[Attr]) -> bool {
    attrs.iter().any(|a| a.name == "tags")
}

/// Where an attribute sits, for the private record of what the configuration set: names joined
/// by `.`, block items by their index (`campaign_config.0.item_exploration_config`).
pub(super) fn path_of(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The optional-computed attributes `config` sets, as [`path_of`] names them.
pub(super) fn configured_paths(attrs: &[Attr], config: &Obj, prefix: &str, out: &mut Vec<Dyn>) {
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
            out.push(string(path));
        }
    }
}

/// The private state an apply leaves: which optional-computed attributes the configuration
/// set. A later plan tells from it a value the user removed (it falls back to what AWS decides)
/// from one AWS chose (it stays as it is).
pub(super) fn private_for(attrs: &[Attr], config: &Obj) -> Dyn {
    let mut paths = Vec::new();
    configured_paths(attrs, config, "", &mut paths);
    let mut o = Obj::new();
    o.insert("configured".into(), list(paths));
    obj(o)
}

/// The private state a read passes on: the record of configured attributes and whether the
/// resource was imported since the last apply, without the import marker (an import has read
/// the resource once it returns).
pub(super) fn keep_configured(private: &Dyn) -> Dyn {
    let mut o = Obj::new();
    for key in ["configured", "adopted"] {
        if let Some(c) = private.obj().and_then(|o| o.get(key)) {
            o.insert(key.into(), c.clone());
        }
    }
    obj(o)
}

/// The paths of [`private_for`].
pub(super) fn configured_set(private: &Dyn) -> std::collections::BTreeSet<String> {
    private
        .obj()
        .and_then(|o| o.get("configured"))
        .and_then(|v| v.list())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.str().map(str::to_owned))
        .collect()
}

/// Replaces what is unknown inside `state` (what AWS was to decide) by the remote value at the
/// same place, when the rest of the state's form is kept.
pub(super) fn fill_unknowns(state: &mut Dyn, remote: &Dyn) {
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
pub(super) fn complete(attrs: &[Attr], o: &mut Obj) {
    complete_block(attrs, o);
    o.entry("timeouts".to_owned())
        .or_insert_with(|| list(vec![]));
}

pub(super) fn complete_block(attrs: &[Attr], o: &mut Obj) {
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

pub(super) fn arn_of(state: &Obj) -> Option<String> {
    state
        .get("arn")
        .and_then(|v| v.str())
        .or_else(|| state.get("id").and_then(|v| v.str()))
        .map(str::to_owned)
}

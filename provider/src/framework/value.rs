//! A dynamic Terraform value: what every resource's state is made of.
//!
//! tf-provider (de)serialises states with serde over MessagePack. Instead of one typed struct per
//! resource, the provider uses one dynamic shape, [`Dyn`], so the generic resource machinery
//! (plan, unknowns, replacement, merge on read) is written once. Unknown values travel as the
//! MessagePack extension tf-provider already understands, through its `Value::Unknown`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tf_provider::value::Value;

/// A Terraform value that may be null or unknown.
pub type Dyn = Value<Node>;

/// An object: attribute name to value.
pub type Obj = BTreeMap<String, Dyn>;

/// A known Terraform value.
///
/// Terraform's numbers are arbitrary-precision decimals. Over MessagePack it sends a number
/// that neither an i64 nor an f64 holds exactly (`0.3`) as its decimal text, which decodes here
/// as [`Node::String`]; [`DynExt::num`] reads such text as a number. The other way, a
/// [`Node::Number`] goes out as its shortest decimal text whenever the f64 is not exactly that
/// decimal, so `0.3` read back from AWS is Terraform's `0.3` again, not
/// 0.299999999999999988897769753748434595763683319091796875 (a diff on every plan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    /// `bool`.
    Bool(bool),
    /// `number`: f64 covers every number the Personalize API exchanges (counts, TPS, weights,
    /// metrics).
    #[serde(serialize_with = "serialize_number")]
    Number(f64),
    /// `string`.
    String(String),
    /// `list`, `set` or a nested block list.
    List(Vec<Dyn>),
    /// `map` or `object`.
    Map(Obj),
}

/// Writes a number as Terraform reads it back unchanged: integers as integers, an f64 that is
/// exactly its shortest decimal as a float, any other as that decimal's text.
fn serialize_number<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    const EXACT_INT: f64 = 9_007_199_254_740_992.0; // 2^53
    if x.fract() == 0.0 && x.abs() <= EXACT_INT {
        #[allow(clippy::cast_possible_truncation)]
        return s.serialize_i64(*x as i64);
    }
    if !x.is_finite() {
        return s.serialize_f64(*x);
    }
    let shortest = x.to_string();
    // Every f64 is a finite decimal: 1100 places hold all its digits.
    let full = format!("{x:.1100}");
    let full = full.trim_end_matches('0').trim_end_matches('.');
    if full == shortest {
        s.serialize_f64(*x)
    } else {
        s.serialize_str(&shortest)
    }
}

/// Shorthands to build and read [`Dyn`] values.
pub trait DynExt {
    /// The string, if this is a known string.
    fn str(&self) -> Option<&str>;
    /// The number, if this is a known number (or the decimal text Terraform sends for one).
    fn num(&self) -> Option<f64>;
    /// The bool, if this is a known bool.
    fn boolean(&self) -> Option<bool>;
    /// The object, if this is a known map/object.
    fn obj(&self) -> Option<&Obj>;
    /// The list, if this is a known list.
    fn list(&self) -> Option<&[Dyn]>;
    /// True when this value or anything inside it is unknown.
    fn has_unknown(&self) -> bool;
}

impl DynExt for Dyn {
    fn str(&self) -> Option<&str> {
        match self {
            Value::Value(Node::String(s)) => Some(s),
            _ => None,
        }
    }
    fn num(&self) -> Option<f64> {
        match self {
            Value::Value(Node::Number(n)) => Some(*n),
            Value::Value(Node::String(text)) => text.parse().ok().filter(|n: &f64| n.is_finite()),
            _ => None,
        }
    }
    fn boolean(&self) -> Option<bool> {
        match self {
            Value::Value(Node::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    fn obj(&self) -> Option<&Obj> {
        match self {
            Value::Value(Node::Map(m)) => Some(m),
            _ => None,
        }
    }
    fn list(&self) -> Option<&[Dyn]> {
        match self {
            Value::Value(Node::List(l)) => Some(l),
            _ => None,
        }
    }
    fn has_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Null => false,
            Value::Value(Node::List(l)) => l.iter().any(DynExt::has_unknown),
            Value::Value(Node::Map(m)) => m.values().any(DynExt::has_unknown),
            Value::Value(_) => false,
        }
    }
}

/// A known string.
pub fn string(v: impl Into<String>) -> Dyn {
    Value::Value(Node::String(v.into()))
}

/// A string, or null when absent.
pub fn opt_string(v: Option<impl Into<String>>) -> Dyn {
    v.map_or(Value::Null, string)
}

/// A known number.
pub fn number(v: f64) -> Dyn {
    Value::Value(Node::Number(v))
}

/// A known bool.
pub fn boolean(v: bool) -> Dyn {
    Value::Value(Node::Bool(v))
}

/// A known object.
pub fn obj(v: Obj) -> Dyn {
    Value::Value(Node::Map(v))
}

/// A known list.
pub fn list(v: Vec<Dyn>) -> Dyn {
    Value::Value(Node::List(v))
}

/// A map of strings from string pairs.
pub fn string_map<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Dyn {
    obj(pairs
        .into_iter()
        .map(|(k, v)| (k.into(), string(v)))
        .collect())
}

/// The known string entries of a map value (unknown or null entries are skipped).
pub fn map_of_strings(v: &Dyn) -> BTreeMap<String, String> {
    v.obj()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// A list of strings.
pub fn string_list<V: Into<String>>(items: impl IntoIterator<Item = V>) -> Dyn {
    list(items.into_iter().map(string).collect())
}

/// The known strings of a list value (unknown or null items are skipped).
pub fn list_of_strings(v: &Dyn) -> Vec<String> {
    v.list()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A map of string lists (`map(list(string))`).
pub fn string_list_map<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Vec<String>)>) -> Dyn {
    obj(pairs
        .into_iter()
        .map(|(k, v)| (k.into(), string_list(v)))
        .collect())
}

/// The known entries of a `map(list(string))` value.
pub fn map_of_string_lists(v: &Dyn) -> BTreeMap<String, Vec<String>> {
    v.obj()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.list().is_some())
                .map(|(k, v)| (k.clone(), list_of_strings(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces every unknown inside `v` by null: what a state returned after a failed apply holds
/// where the provider never learnt a value (Terraform refuses unknowns in applied state).
pub fn unknowns_to_null(v: &mut Dyn) {
    match v {
        Value::Unknown => *v = Value::Null,
        Value::Value(Node::List(l)) => l.iter_mut().for_each(unknowns_to_null),
        Value::Value(Node::Map(m)) => m.values_mut().for_each(unknowns_to_null),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json_with_nested_unknowns() {
        let mut m = Obj::new();
        m.insert("a".into(), string("x"));
        m.insert("b".into(), number(2.5));
        m.insert("c".into(), Value::Null);
        m.insert("d".into(), list(vec![boolean(true)]));
        let v = obj(m);
        let text = serde_json::to_string(&v).unwrap();
        let back: Dyn = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn inexact_decimals_travel_as_their_text_exact_ones_as_numbers() {
        let mut buf = Vec::new();
        let encode = |v: &Dyn, buf: &mut Vec<u8>| {
            buf.clear();
            rmp_serde::encode::write(buf, v).unwrap();
        };
        // 0.3 has no exact f64: Terraform sends "0.3", and must get "0.3" back.
        encode(&number(0.3), &mut buf);
        assert_eq!(rmp_serde::from_slice::<String>(&buf).unwrap(), "0.3");
        encode(&number(0.1 + 0.2), &mut buf);
        assert_eq!(
            rmp_serde::from_slice::<String>(&buf).unwrap(),
            "0.30000000000000004"
        );
        // Exact ones stay MessagePack numbers.
        encode(&number(0.25), &mut buf);
        assert_eq!(rmp_serde::from_slice::<f64>(&buf).unwrap(), 0.25);
        encode(&number(7.0), &mut buf);
        assert_eq!(rmp_serde::from_slice::<i64>(&buf).unwrap(), 7);
        encode(&number(-1e6), &mut buf);
        assert_eq!(rmp_serde::from_slice::<i64>(&buf).unwrap(), -1_000_000);
        // What Terraform sends for 0.3 reads as a number.
        let got: Dyn = rmp_serde::from_slice(&rmp_serde::to_vec(&"0.3").unwrap()).unwrap();
        assert_eq!(got.num(), Some(0.3));
        assert_eq!(string("abc").num(), None);
        assert_eq!(string("inf").num(), None);
    }

    #[test]
    fn integers_read_as_numbers() {
        let v: Dyn = serde_json::from_str("7").unwrap();
        assert_eq!(v.num(), Some(7.0));
    }

    #[test]
    fn unknowns_become_null_recursively() {
        let mut m = Obj::new();
        m.insert("u".into(), Value::Unknown);
        m.insert("l".into(), list(vec![Value::Unknown, string("k")]));
        let mut v = obj(m);
        assert!(v.has_unknown());
        unknowns_to_null(&mut v);
        assert!(!v.has_unknown());
        assert_eq!(v.obj().unwrap()["u"], Value::Null);
        assert_eq!(v.obj().unwrap()["l"].list().unwrap()[0], Value::Null);
    }

    #[test]
    fn string_lists_and_maps_of_them_round_trip() {
        let v = string_list_map([("ITEMS", vec!["A".to_owned(), "B".to_owned()])]);
        assert_eq!(map_of_string_lists(&v)["ITEMS"], ["A", "B"]);
        let l = list(vec![string("x"), Value::Unknown, Value::Null]);
        assert_eq!(list_of_strings(&l), ["x"]);
        assert!(list_of_strings(&string("x")).is_empty());
        assert_eq!(list_of_strings(&string_list(["a", "b"])), ["a", "b"]);
    }

    #[test]
    fn string_maps_skip_unknown_entries() {
        let mut m = Obj::new();
        m.insert("a".into(), string("1"));
        m.insert("b".into(), Value::Unknown);
        let got = map_of_strings(&obj(m));
        assert_eq!(got.len(), 1);
        assert_eq!(got["a"], "1");
    }
}

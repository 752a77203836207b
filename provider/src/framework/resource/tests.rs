//! Unit tests of the plan, state and import rules.

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::plan::{check_attrs, mark_computed, revert_removed};
use super::read::arn_has_form;
use super::state::{complete, configured_set, fill_unknowns, keep_configured, private_for};
use crate::framework::schema::{Attr, Ty};
use crate::framework::value::{list, number, obj, string, Dyn, DynExt, Obj};

fn attrs() -> Vec<Attr> {
    vec![
        Attr::required("name", Ty::String, "n").force_new(),
        Attr::optional_computed("tps", Ty::Number, "t").default(number(1.0)),
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
    config.insert("name".into(), string("a"));
    config.insert("cfg".into(), list(vec![obj(inner)]));
    let mut planned = config.clone();
    mark_computed(&attrs(), &mut planned, Some(&config));
    assert_eq!(planned["status"], Value::Unknown);
    assert_eq!(planned["tps"], number(1.0));
    assert_eq!(planned["mode"], Value::Unknown);
    assert_eq!(
        planned["cfg"].list().unwrap()[0].obj().unwrap()["x"],
        Value::Unknown
    );
    assert_eq!(planned["name"], string("a"));
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
    prior.insert("tps".into(), number(2.0));
    prior.insert("mode".into(), string("chosen"));
    let mut inner = Obj::new();
    inner.insert("x".into(), string("set"));
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
    assert_eq!(planned["tps"], number(1.0));
    assert_eq!(planned["mode"], string("chosen"));
    assert_eq!(
        planned["cfg"].list().unwrap()[0].obj().unwrap()["x"],
        string("set")
    );
    let mut full = config.clone();
    full.insert("mode".into(), string("mine"));
    let mut inner = Obj::new();
    inner.insert("x".into(), string("set"));
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
    inner.insert("y".into(), string("kept"));
    let mut state = list(vec![obj(inner)]);
    let mut remote_inner = Obj::new();
    remote_inner.insert("x".into(), string("aws"));
    remote_inner.insert("y".into(), string("other form"));
    fill_unknowns(&mut state, &list(vec![obj(remote_inner)]));
    let o = state.list().unwrap()[0].obj().unwrap();
    assert_eq!(o["x"], string("aws"));
    assert_eq!(o["y"], string("kept"));
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
    inner.insert("x".into(), string("bad"));
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
        o.insert("x".into(), string(x));
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

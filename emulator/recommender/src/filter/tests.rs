//! Filters against small hand-made items where the right answer is known.

use std::collections::BTreeMap;

use super::*;
use crate::Value;

fn item(genre: &str, year: f64) -> BTreeMap<String, Value> {
    [
        ("GENRE".to_string(), Value::Str(genre.into())),
        ("YEAR".to_string(), Value::Num(year)),
    ]
    .into_iter()
    .collect()
}

/// (id, metadata, the user's event types on it)
fn catalogue() -> Vec<(&'static str, BTreeMap<String, Value>, Vec<String>)> {
    vec![
        ("comedy95", item("Comedy", 1995.0), vec!["click".into()]),
        (
            "drama99",
            item("Drama", 1999.0),
            vec!["watch".into(), "click".into()],
        ),
        ("comdrama05", item("Comedy|Drama", 2005.0), vec![]),
        ("horror10", item("Horror", 2010.0), vec![]),
    ]
}

fn kept(expression: &str, values: &[(&str, &str)], ctx: &Context<'_>) -> Vec<&'static str> {
    let f = parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
    let values = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let b = f.bind(&values).unwrap();
    catalogue()
        .iter()
        .filter(|(id, attrs, events)| {
            b.allows(
                ctx,
                &Subject {
                    item_id: id,
                    attributes: attrs,
                    event_types: events,
                },
            )
        })
        .map(|(id, _, _)| *id)
        .collect()
}

fn none() -> Context<'static> {
    Context::default()
}

#[test]
fn include_in_matches_any_category() {
    let got = kept(
        r#"INCLUDE ItemID WHERE Items.GENRE IN ("Comedy")"#,
        &[],
        &none(),
    );
    assert_eq!(got, ["comedy95", "comdrama05"]);
}

#[test]
fn exclude_not_in_and_comparisons() {
    let got = kept(
        r#"EXCLUDE ItemID WHERE Items.GENRE NOT IN ("Drama")"#,
        &[],
        &none(),
    );
    assert_eq!(got, ["drama99", "comdrama05"]);
    assert_eq!(
        kept("INCLUDE ItemID WHERE Items.YEAR >= 2005", &[], &none()),
        ["comdrama05", "horror10"]
    );
    assert_eq!(
        kept("INCLUDE ItemID WHERE Items.YEAR < 1999", &[], &none()),
        ["comedy95"]
    );
    assert_eq!(
        kept("EXCLUDE ItemID WHERE Items.YEAR = 1999", &[], &none()).len(),
        3
    );
    assert_eq!(
        kept("INCLUDE ItemID WHERE Items.YEAR != 1999", &[], &none()).len(),
        3
    );
    assert_eq!(
        kept("INCLUDE ItemID WHERE Items.YEAR <= 1999", &[], &none()).len(),
        2
    );
    assert_eq!(
        kept("INCLUDE ItemID WHERE Items.YEAR > 2005", &[], &none()),
        ["horror10"]
    );
}

#[test]
fn event_types_of_the_user_and_the_wildcard() {
    let got = kept(
        r#"EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")"#,
        &[],
        &none(),
    );
    assert_eq!(got, ["comedy95", "comdrama05", "horror10"]);
    let got = kept(
        r#"EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")"#,
        &[],
        &none(),
    );
    assert_eq!(got, ["comdrama05", "horror10"]);
}

#[test]
fn and_binds_tighter_than_or() {
    // Horror OR (Comedy AND year > 2000)
    let e = r#"INCLUDE ItemID WHERE Items.GENRE IN ("Horror") OR Items.GENRE IN ("Comedy") AND Items.YEAR > 2000"#;
    assert_eq!(kept(e, &[], &none()), ["comdrama05", "horror10"]);
}

#[test]
fn pipes_union_includes_and_subtract_excludes() {
    let e = r#"INCLUDE ItemID WHERE Items.GENRE IN ("Horror") | INCLUDE ItemID WHERE Items.YEAR < 1996"#;
    assert_eq!(kept(e, &[], &none()), ["comedy95", "horror10"]);
    let e = r#"EXCLUDE ItemID WHERE Items.GENRE IN ("Horror") | EXCLUDE ItemID WHERE Items.YEAR < 1996"#;
    assert_eq!(kept(e, &[], &none()), ["drama99", "comdrama05"]);
    let e = r#"INCLUDE ItemID WHERE Items.GENRE IN ("Comedy") | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")"#;
    assert_eq!(kept(e, &[], &none()), ["comdrama05"]);
}

#[test]
fn placeholders_bind_lists_strings_and_numbers() {
    let e = "INCLUDE ItemID WHERE Items.GENRE IN ($GENRES) AND Items.YEAR >= $FROM";
    let f = parse(e).unwrap();
    assert_eq!(f.placeholders(), ["GENRES", "FROM"]);
    let got = kept(
        e,
        &[
            ("GENRES", r#""Drama","Horror""#),
            ("FROM", r#""2000""#),
            ("UNUSED", "x"),
        ],
        &none(),
    );
    assert_eq!(got, ["comdrama05", "horror10"]);
    let got = kept(e, &[("GENRES", r#""Comedy""#), ("FROM", "1990")], &none());
    assert_eq!(got, ["comedy95", "comdrama05"]);
}

#[test]
fn current_item_and_current_user() {
    let current = item("Drama", 1999.0);
    let ctx = Context {
        current_item: Some(&current),
        current_user: None,
    };
    let got = kept(
        "INCLUDE ItemID WHERE Items.GENRE IN (CurrentItem.GENRE)",
        &[],
        &ctx,
    );
    assert_eq!(got, ["drama99", "comdrama05"]);
    let got = kept(
        "INCLUDE ItemID WHERE Items.YEAR > CurrentItem.YEAR",
        &[],
        &ctx,
    );
    assert_eq!(got, ["comdrama05", "horror10"]);
    let adult: BTreeMap<String, Value> = [("AGE".to_string(), Value::Num(30.0))]
        .into_iter()
        .collect();
    let child: BTreeMap<String, Value> = [("AGE".to_string(), Value::Num(10.0))]
        .into_iter()
        .collect();
    let e = r#"EXCLUDE ItemID WHERE Items.GENRE IN ("Horror") IF CurrentUser.AGE < 18"#;
    let for_child = Context {
        current_item: None,
        current_user: Some(&child),
    };
    let for_adult = Context {
        current_item: None,
        current_user: Some(&adult),
    };
    assert_eq!(kept(e, &[], &for_child).len(), 3);
    assert_eq!(kept(e, &[], &for_adult).len(), 4);
}

#[test]
fn item_ids_can_be_listed() {
    let got = kept(
        r#"EXCLUDE ItemID WHERE Items.ITEM_ID IN ("comedy95", "horror10")"#,
        &[],
        &none(),
    );
    assert_eq!(got, ["drama99", "comdrama05"]);
}

#[test]
fn keywords_are_case_insensitive() {
    let got = kept(
        r#"include itemid where items.GENRE in ("Horror")"#,
        &[],
        &none(),
    );
    assert_eq!(got, ["horror10"]);
}

#[test]
fn bad_expressions_report_the_position() {
    for (e, pos, words) in [
        ("", 0, "empty"),
        ("INCLUDE", 7, "ItemID"),
        (
            "KEEP ItemID WHERE Items.A IN (\"x\")",
            0,
            "INCLUDE or EXCLUDE",
        ),
        ("INCLUDE UserID WHERE Items.A IN (\"x\")", 8, "ItemID"),
        ("INCLUDE ItemID Items.A IN (\"x\")", 15, "WHERE"),
        (
            "INCLUDE ItemID WHERE Stuff.A IN (\"x\")",
            21,
            "unknown dataset",
        ),
        ("INCLUDE ItemID WHERE Items.A IN \"x\"", 32, "'('"),
        ("INCLUDE ItemID WHERE Items.A IN (\"x\"", 36, "')'"),
        ("INCLUDE ItemID WHERE Items.A LIKE \"x\"", 29, "IN, NOT IN"),
        ("INCLUDE ItemID WHERE Items.A NOT = 3", 33, "IN after NOT"),
        (
            "INCLUDE ItemID WHERE Items.A IN (\"x\") garbage",
            38,
            "unexpected",
        ),
        (
            "INCLUDE ItemID WHERE Interactions.EVENT_VALUE IN (1)",
            34,
            "EVENT_TYPE",
        ),
        (
            "INCLUDE ItemID WHERE Interactions.EVENT_TYPE > 1",
            21,
            "IN or NOT IN",
        ),
        ("INCLUDE ItemID WHERE CurrentUser.AGE > 1", 21, "after IF"),
        (
            "INCLUDE ItemID WHERE Items.A = 1 IF Items.B = 2",
            36,
            "only CurrentUser",
        ),
        (
            "INCLUDE ItemID WHERE Items.A IN (\"x\") |",
            39,
            "INCLUDE or EXCLUDE",
        ),
        (
            "INCLUDE ItemID WHERE Items.A = 1e999",
            31,
            "a quoted string",
        ),
    ] {
        let err = parse(e).unwrap_err();
        assert_eq!(err.position, pos, "{e}: {err}");
        assert!(err.message.contains(words), "{e}: {err}");
        assert!(err.to_string().ends_with(&format!("at position {pos}")));
    }
}

#[test]
fn oversized_expressions_and_values_are_refused() {
    let long = format!(
        "INCLUDE ItemID WHERE Items.A IN (\"{}\")",
        "x".repeat(MAX_EXPRESSION)
    );
    assert!(parse(&long).unwrap_err().message.contains("at most"));
    let f = parse("INCLUDE ItemID WHERE Items.A IN ($V)").unwrap();
    let big = [("V".to_string(), format!("\"{}\"", "x".repeat(MAX_VALUE)))]
        .into_iter()
        .collect();
    assert!(f.bind(&big).unwrap_err().message.contains("at most"));
    let many = vec!["\"a\""; MAX_VALUES + 1].join(",");
    let many = [("V".to_string(), many)].into_iter().collect();
    assert!(f.bind(&many).unwrap_err().message.contains("values"));
}

#[test]
fn missing_or_malformed_values_name_the_placeholder() {
    let f = parse(r#"INCLUDE ItemID WHERE Items.A = 1 AND Items.GENRE IN ($GENRES)"#).unwrap();
    let err = f.bind(&BTreeMap::new()).unwrap_err();
    assert_eq!(err.position, 53);
    assert!(err.message.contains("$GENRES"));
    for (raw, pos) in [
        ("", 0),
        ("\"a\",", 4),
        ("\"a\" \"b\"", 4),
        ("\"a", 0),
        (",", 0),
    ] {
        let values = [("GENRES".to_string(), raw.to_string())]
            .into_iter()
            .collect();
        let err = f.bind(&values).unwrap_err();
        assert_eq!(err.position, pos, "{raw:?}: {err}");
        assert!(err.message.contains("$GENRES"), "{raw:?}: {err}");
    }
}

#[test]
fn a_filter_put_before_another_applies_first_with_each_keeping_its_values() {
    let automatic = parse(r#"EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")"#)
        .unwrap()
        .bind(&BTreeMap::new())
        .unwrap();
    let own = parse("INCLUDE ItemID WHERE Items.GENRE IN ($G)")
        .unwrap()
        .bind(&[("G".to_string(), r#""Drama""#.to_string())].into())
        .unwrap();
    let both = automatic.then(own);
    let got: Vec<&str> = catalogue()
        .iter()
        .filter(|(id, attrs, events)| {
            both.allows(
                &none(),
                &Subject {
                    item_id: id,
                    attributes: attrs,
                    event_types: events,
                },
            )
        })
        .map(|(id, _, _)| *id)
        .collect();
    // Drama items, less the one the user watched.
    assert_eq!(got, ["comdrama05"]);
}

/// Action filters (GetActionRecommendations) name ActionID, Actions and Action_Interactions;
/// they test the same things as the item forms.
#[test]
fn action_keywords_filter_like_the_item_ones() {
    let ctx = Context::default();
    assert_eq!(
        kept(
            r#"EXCLUDE ActionID WHERE Actions.GENRE IN ("Comedy")"#,
            &[],
            &ctx
        ),
        kept(
            r#"EXCLUDE ItemID WHERE Items.GENRE IN ("Comedy")"#,
            &[],
            &ctx
        )
    );
    assert_eq!(
        kept(
            r#"INCLUDE ActionID WHERE Action_Interactions.EVENT_TYPE IN ("click")"#,
            &[],
            &ctx
        ),
        ["comedy95", "drama99"]
    );
    let e = parse(r#"EXCLUDE ActionID WHERE Action_Interactions.CHANNEL IN ("a")"#).unwrap_err();
    assert!(
        e.message.contains("only Action_Interactions.EVENT_TYPE"),
        "{e}"
    );
    let e = parse(r#"EXCLUDE UserID WHERE Items.GENRE IN ("a")"#).unwrap_err();
    assert!(e.message.contains("ItemID or ActionID"), "{e}");
}

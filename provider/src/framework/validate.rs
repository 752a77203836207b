//! Plan-time checks shared by the resources: names, ARNs, enums, S3 URIs, tags.
//!
//! Each check takes a known value and returns the precise reason it is refused; the generic
//! resource attaches the message to the attribute at fault.

use std::sync::OnceLock;

use regex::Regex;

use super::value::{Dyn, DynExt};

fn string(v: &Dyn) -> Result<&str, String> {
    v.str().ok_or_else(|| "expected a string".to_owned())
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static pattern"))
}

/// A Personalize resource name: 1-63 characters, letters, digits, `-` and `_`, starting with a
/// letter or digit (the API's `Name` shape).
pub fn name(v: &Dyn) -> Result<(), String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let s = string(v)?;
    if s.is_empty() || s.len() > 63 {
        return Err(format!(
            "name must be 1 to 63 characters long, got {}",
            s.len()
        ));
    }
    if !re(&RE, r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$").is_match(s) {
        return Err(format!(
            "name {s:?} may hold only letters, digits, '-' and '_', and must start with a letter or digit"
        ));
    }
    Ok(())
}

/// Any ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`, at most 256 characters.
pub fn arn(v: &Dyn) -> Result<(), String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let s = string(v)?;
    if s.len() > 256 {
        return Err(format!(
            "ARN must be at most 256 characters, got {}",
            s.len()
        ));
    }
    if !re(
        &RE,
        r"^arn:aws[a-z\-]*:[a-z0-9\-]+:[a-z0-9\-]*:\d{0,12}:.+$",
    )
    .is_match(s)
    {
        return Err(format!(
            "{s:?} is not an ARN (arn:partition:service:region:account:resource)"
        ));
    }
    Ok(())
}

/// A Personalize ARN (service `personalize`).
pub fn personalize_arn(v: &Dyn) -> Result<(), String> {
    arn(v)?;
    let s = string(v)?;
    if s.split(':').nth(2) != Some("personalize") {
        return Err(format!("{s:?} is not an Amazon Personalize ARN"));
    }
    Ok(())
}

/// An IAM role ARN.
pub fn role_arn(v: &Dyn) -> Result<(), String> {
    arn(v)?;
    let s = string(v)?;
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts[2] != "iam" || !parts[5].starts_with("role/") {
        return Err(format!(
            "{s:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        ));
    }
    Ok(())
}

/// An `s3://bucket/key` location.
pub fn s3_uri(v: &Dyn) -> Result<(), String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let s = string(v)?;
    if s.len() > 256 {
        return Err(format!(
            "S3 location must be at most 256 characters, got {}",
            s.len()
        ));
    }
    if !re(&RE, r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$").is_match(s) {
        return Err(format!("{s:?} is not an S3 location (s3://bucket/key)"));
    }
    Ok(())
}

/// Tags: at most 200, keys 1-128 characters, values at most 256, no `aws:` prefix and not the
/// prefix of the tags that keep triggers.
pub fn tags(v: &Dyn) -> Result<(), String> {
    let Some(m) = v.obj() else {
        return Ok(());
    };
    if m.len() > 200 {
        return Err(format!("at most 200 tags are allowed, got {}", m.len()));
    }
    for (k, val) in m {
        if k.is_empty() || k.len() > 128 {
            return Err(format!("tag key {k:?} must be 1 to 128 characters long"));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(format!("tag key {k:?} uses the reserved prefix \"aws:\""));
        }
        if k.starts_with(super::tags::TRIGGER_PREFIX) {
            return Err(format!(
                "tag key {k:?} uses the prefix {:?}, which keeps a solution version's triggers",
                super::tags::TRIGGER_PREFIX
            ));
        }
        if val.str().is_some_and(|s| s.len() > 256) {
            return Err(format!(
                "the value of tag {k:?} is longer than 256 characters"
            ));
        }
    }
    Ok(())
}

/// Checks that a string is one of `allowed`; builds the message listing them.
pub fn one_of(v: &Dyn, allowed: &[&str]) -> Result<(), String> {
    let s = string(v)?;
    if allowed.contains(&s) {
        Ok(())
    } else {
        Err(format!("{s:?} is not one of {}", allowed.join(", ")))
    }
}

/// A free text of at most `max` characters (event types, filter expressions).
pub fn max_len(v: &Dyn, max: usize) -> Result<(), String> {
    let s = string(v)?;
    if s.len() > max {
        return Err(format!("must be at most {max} characters, got {}", s.len()));
    }
    Ok(())
}

/// A number within `min..=max`; `whole` also requires an integer.
pub fn number_in(v: &Dyn, min: f64, max: f64, whole: bool) -> Result<(), String> {
    let x = v.num().ok_or("expected a number")?;
    if whole && x.fract() != 0.0 {
        return Err(format!("{x} must be a whole number"));
    }
    if !(min..=max).contains(&x) {
        return Err(if max.is_infinite() {
            format!("{x} must be at least {min}")
        } else {
            format!("{x} must be between {min} and {max}")
        });
    }
    Ok(())
}

/// A list of at most `max` items, each accepted by `check`; the message names the item.
pub fn each(v: &Dyn, max: usize, check: impl Fn(&Dyn) -> Result<(), String>) -> Result<(), String> {
    let items = v.list().ok_or("expected a list")?;
    if items.len() > max {
        return Err(format!(
            "at most {max} items are allowed, got {}",
            items.len()
        ));
    }
    for (i, item) in items.iter().enumerate() {
        if item.is_unknown() {
            continue;
        }
        check(item).map_err(|e| format!("item {} ({}): {e}", i + 1, shown(item)))?;
    }
    Ok(())
}

fn shown(v: &Dyn) -> String {
    match (v.str(), v.num()) {
        (Some(s), _) => format!("{s:?}"),
        (_, Some(n)) => n.to_string(),
        _ => "value".to_owned(),
    }
}

/// The first item that occurs twice in `items`, if any (unique names, event types).
pub fn first_duplicate<'a>(items: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::BTreeSet::new();
    items.into_iter().find(|k| !seen.insert(*k))
}

#[cfg(test)]
mod tests {
    use super::super::value::{number, obj, string};
    use super::*;

    #[test]
    fn names() {
        assert!(name(&string("movies-1_a")).is_ok());
        assert!(name(&string("")).unwrap_err().contains("1 to 63"));
        assert!(name(&string("a".repeat(64)))
            .unwrap_err()
            .contains("got 64"));
        assert!(name(&string("-lead")).is_err());
        assert!(name(&string("sp ace")).is_err());
        assert!(name(&string("quote\"; drop")).is_err());
        assert!(name(&string("ünï")).is_err());
        assert!(name(&number(1.0)).is_err());
    }

    #[test]
    fn arns() {
        let ok = "arn:aws:personalize:us-east-1:123456789012:dataset-group/movies";
        assert!(personalize_arn(&string(ok)).is_ok());
        assert!(personalize_arn(&string("arn:aws:s3:::bucket")).is_err());
        assert!(arn(&string("not-an-arn"))
            .unwrap_err()
            .contains("not an ARN"));
        assert!(arn(&string(format!("{ok}{}", "x".repeat(300)))).is_err());
        assert!(role_arn(&string("arn:aws:iam::123456789012:role/personalize")).is_ok());
        assert!(role_arn(&string("arn:aws:iam::123456789012:user/bob")).is_err());
        assert!(role_arn(&string(ok)).is_err());
    }

    #[test]
    fn s3_locations() {
        assert!(s3_uri(&string("s3://bucket/interactions.csv")).is_ok());
        assert!(s3_uri(&string("s3://bucket")).is_ok());
        assert!(s3_uri(&string("https://bucket/x")).is_err());
        assert!(s3_uri(&string("s3://B/x")).is_err());
        assert!(s3_uri(&string(format!("s3://bucket/{}", "k".repeat(300)))).is_err());
    }

    #[test]
    fn tag_limits() {
        let mut m = super::super::value::Obj::new();
        m.insert("aws:owner".into(), string("x"));
        assert!(tags(&obj(m)).unwrap_err().contains("reserved"));
        let mut m = super::super::value::Obj::new();
        m.insert("tf-personalize:trigger:x".into(), string("x"));
        assert!(tags(&obj(m)).unwrap_err().contains("triggers"));
        let mut m = super::super::value::Obj::new();
        m.insert("k".into(), string("v".repeat(257)));
        assert!(tags(&obj(m)).is_err());
        let m = (0..201).map(|i| (format!("k{i}"), string("v"))).collect();
        assert!(tags(&obj(m)).unwrap_err().contains("200"));
    }

    #[test]
    fn numbers_lists_and_duplicates() {
        assert!(number_in(&number(0.5), 0.0, 1.0, false).is_ok());
        assert!(number_in(&number(1.5), 0.0, 1.0, false)
            .unwrap_err()
            .contains("between 0 and 1"));
        assert!(number_in(&number(2.5), 0.0, 9.0, true)
            .unwrap_err()
            .contains("whole"));
        // Terraform sends an inexact decimal as its text: still a number.
        assert!(number_in(&string("0.3"), 0.0, 1.0, false).is_ok());
        assert!(number_in(&string("x"), 0.0, 9.0, false)
            .unwrap_err()
            .contains("expected a number"));
        let l = super::super::value::string_list(["ok", "toolong"]);
        let e = each(&l, 5, |v| max_len(v, 3)).unwrap_err();
        assert!(e.starts_with("item 2 (\"toolong\")"), "{e}");
        assert!(each(&l, 1, |_| Ok(())).unwrap_err().contains("at most 1"));
        assert_eq!(first_duplicate(["a", "b", "a"]), Some("a"));
        assert_eq!(first_duplicate(["a", "b"]), None);
    }

    #[test]
    fn enums_list_the_choices() {
        let e = one_of(&string("PARTIAL"), &["FULL", "INCREMENTAL"]).unwrap_err();
        assert!(e.contains("FULL, INCREMENTAL"), "{e}");
        assert!(one_of(&string("FULL"), &["FULL", "INCREMENTAL"]).is_ok());
    }
}

//! The `timeouts { create update delete }` block: Go-style durations ("90s", "45m", "2h30m"),
//! with per-resource defaults long enough for real AWS.

use std::time::Duration;

use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Block, Description};

use super::value::{Dyn, DynExt};

/// Default timeouts of one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Creating, including the wait until ACTIVE.
    pub create: Duration,
    /// Updating in place, including the wait until the update is ACTIVE.
    pub update: Duration,
    /// Deleting, including the wait until the resource is gone.
    pub delete: Duration,
}

/// Which operation a timeout is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Create.
    Create,
    /// Update.
    Update,
    /// Delete.
    Delete,
}

impl Op {
    /// The block attribute name.
    pub fn key(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// Minutes as a [`Duration`].
pub const fn minutes(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

impl Timeouts {
    /// The same timeout for every operation.
    pub const fn all(d: Duration) -> Self {
        Self {
            create: d,
            update: d,
            delete: d,
        }
    }

    /// The timeout of `op`: the block's value when set, the default otherwise.
    ///
    /// # Errors
    /// When the block's value is not a valid duration (validation reports it earlier).
    pub fn get(&self, timeouts_block: &Dyn, op: Op) -> Result<Duration, String> {
        let configured = timeouts_block
            .list()
            .and_then(|l| l.first())
            .and_then(|b| b.obj())
            .and_then(|o| o.get(op.key()))
            .and_then(|v| v.str());
        match configured {
            Some(text) => parse_duration(text),
            None => Ok(match op {
                Op::Create => self.create,
                Op::Update => self.update,
                Op::Delete => self.delete,
            }),
        }
    }
}

/// The block schema; `update` only for resources that update in place.
pub fn block(with_update: bool) -> Block {
    let mut attributes = std::collections::HashMap::new();
    let mut ops = vec!["create", "delete"];
    if with_update {
        ops.push("update");
    }
    for op in ops {
        attributes.insert(
            op.to_owned(),
            Attribute {
                attr_type: AttributeType::String,
                description: Description::markdown(format!(
                    "How long to wait for {op} (a duration such as `30m` or `2h`)."
                )),
                constraint: AttributeConstraint::Optional,
                ..Default::default()
            },
        );
    }
    Block {
        attributes,
        description: Description::markdown("Operation timeouts."),
        ..Default::default()
    }
}

/// Parses a Go-style duration: a sequence of `<number><unit>` with units `ms`, `s`, `m`, `h`.
///
/// # Errors
/// On an empty text, a missing or unknown unit, a malformed number, or more than 30 days.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration (e.g. \"90s\", \"45m\", \"2h30m\")");
    if text.is_empty() || text.len() > 64 {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += value * seconds;
        rest = &rest[unit_len..];
    }
    if total > 30.0 * 86400.0 {
        return Err(format!("{text:?} is longer than 30 days"));
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::super::value::{list, obj, string, Obj};
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2h30m").unwrap(), Duration::from_secs(9000));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        for bad in [
            "",
            "10",
            "m",
            "10d",
            "1h-2m",
            "abc",
            "1e9h",
            &"9".repeat(70),
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("800h").unwrap_err().contains("30 days"));
    }

    #[test]
    fn block_values_override_defaults() {
        let defaults = Timeouts::all(minutes(20));
        let mut o = Obj::new();
        o.insert("create".into(), string("1s"));
        let block = list(vec![obj(o)]);
        assert_eq!(
            defaults.get(&block, Op::Create).unwrap(),
            Duration::from_secs(1)
        );
        assert_eq!(defaults.get(&block, Op::Delete).unwrap(), minutes(20));
        assert_eq!(
            defaults.get(&list(vec![]), Op::Update).unwrap(),
            minutes(20)
        );
    }
}

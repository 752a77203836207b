//! Small conversions every resource file uses: plan values to SDK inputs, SDK outputs to
//! attribute values.

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use crate::framework::value::{s, Dyn, DynExt, Obj};
use tf_provider::value::Value;

/// A known string attribute of a plan.
pub fn get_str(o: &Obj, key: &str) -> Option<String> {
    o.get(key).and_then(|v| v.str()).map(str::to_owned)
}

/// A known number attribute of a plan, as an integer.
pub fn get_i32(o: &Obj, key: &str) -> Option<i32> {
    o.get(key).and_then(|v| v.num()).map(|n| n as i32)
}

/// A known bool attribute of a plan.
pub fn get_bool(o: &Obj, key: &str) -> Option<bool> {
    o.get(key).and_then(|v| v.boolean())
}

/// The single object of an optional nested block, if set.
pub fn get_block<'a>(o: &'a Obj, key: &str) -> Option<&'a Obj> {
    o.get(key)
        .and_then(|v| v.list())
        .and_then(|l| l.first())
        .and_then(|v| v.obj())
}

/// An SDK timestamp as RFC 3339, or null.
pub fn time(t: Option<&DateTime>) -> Dyn {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
        .map_or(Value::Null, s)
}

/// Inserts the common timestamps.
pub fn times(o: &mut Obj, created: Option<&DateTime>, updated: Option<&DateTime>) {
    o.insert("creation_date_time".into(), time(created));
    o.insert("last_updated_date_time".into(), time(updated));
}

/// Turns a not-found error into `None`, the finder convention.
pub fn not_found_is_none<T>(
    r: Result<T, crate::framework::error::AwsError>,
) -> Result<Option<T>, crate::framework::error::AwsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339() {
        let t = DateTime::from_secs(1_700_000_000);
        assert_eq!(time(Some(&t)), s("2023-11-14T22:13:20Z"));
        assert_eq!(time(None), Value::Null);
    }
}

//! Small conversions every resource file uses: plan values to SDK inputs, SDK outputs to
//! attribute values.

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use crate::framework::value::{obj, string, Dyn, DynExt, Obj};
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
    time_text(t).map_or(Value::Null, string)
}

/// An SDK timestamp as RFC 3339.
pub fn time_text(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

/// A read-only summary attribute (`latest_campaign_update`, `latest_solution_version`...): a
/// map of the members Personalize returned, or null when it returned no summary.
pub fn summary<const N: usize>(members: Option<[(&str, Option<String>); N]>) -> Dyn {
    members.map_or(Value::Null, |m| {
        obj(m
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), string(v))))
            .collect())
    })
}

/// The common members of an SDK summary value (`CampaignUpdateSummary`,
/// `SolutionVersionSummary`...): every one has these four getters, but no shared trait.
macro_rules! summary_members {
    ($u:expr) => {
        $crate::resources::common::update_members(
            $u.status(),
            $u.failure_reason(),
            $u.creation_date_time(),
            $u.last_updated_date_time(),
        )
    };
}
pub(crate) use summary_members;

/// The common members of an update summary.
pub fn update_members(
    status: Option<&str>,
    failure_reason: Option<&str>,
    created: Option<&DateTime>,
    updated: Option<&DateTime>,
) -> [(&'static str, Option<String>); 4] {
    [
        ("status", status.map(str::to_owned)),
        ("failure_reason", failure_reason.map(str::to_owned)),
        ("creation_date_time", time_text(created)),
        ("last_updated_date_time", time_text(updated)),
    ]
}

/// Inserts the common timestamps.
pub fn times(o: &mut Obj, created: Option<&DateTime>, updated: Option<&DateTime>) {
    o.insert("creation_date_time".into(), time(created));
    o.insert("last_updated_date_time".into(), time(updated));
}

/// An S3DataConfig (`path`, `kmsKeyArn`) from two plan attributes.
///
/// # Errors
/// When the path is missing (required in the configuration, so only on a provider bug).
pub fn s3_config(
    plan: &Obj,
    path: &str,
    kms: &str,
) -> Result<aws_sdk_personalize::types::S3DataConfig, crate::framework::error::AwsError> {
    aws_sdk_personalize::types::S3DataConfig::builder()
        .set_path(get_str(plan, path))
        .set_kms_key_arn(get_str(plan, kms))
        .build()
        .map_err(|e| crate::framework::error::AwsError::local(format!("{path}: {e}")))
}

/// Inserts an S3DataConfig read back as two attributes.
pub fn flatten_s3(
    o: &mut Obj,
    config: Option<&aws_sdk_personalize::types::S3DataConfig>,
    path: &str,
    kms: &str,
) {
    o.insert(
        path.into(),
        crate::framework::value::opt_string(config.map(|c| c.path())),
    );
    o.insert(
        kms.into(),
        crate::framework::value::opt_string(config.and_then(|c| c.kms_key_arn())),
    );
}

/// The finder pattern, written once: awaits a Describe* `call` and picks the resource out of
/// its output; `None` when Personalize says it does not exist.
///
/// # Errors
/// When the call fails otherwise.
pub async fn described<O, E, R, T>(
    call: impl std::future::Future<Output = Result<O, aws_sdk_personalize::error::SdkError<E, R>>>,
    pick: impl FnOnce(O) -> Option<T>,
) -> Result<Option<T>, crate::framework::error::AwsError>
where
    E: aws_sdk_personalize::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let out = not_found_is_none(call.await.map_err(crate::framework::error::AwsError::from))?;
    Ok(out.and_then(pick))
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
        assert_eq!(time(Some(&t)), string("2023-11-14T22:13:20Z"));
        assert_eq!(time(None), Value::Null);
    }
}

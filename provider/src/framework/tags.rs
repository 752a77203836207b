//! Tags: passed at create time by each resource, then read and changed through the tagging API
//! (ListTagsForResource, TagResource, UntagResource) the same way for every resource.

use std::collections::BTreeMap;

use aws_sdk_personalize::types::Tag;

use super::error::AwsError;
use super::value::{map_of_strings, string_map, Dyn};
use crate::provider::Clients;

/// The `Tags` list of a Create* call, from the planned `tags` attribute.
///
/// # Errors
/// Never in practice: the builder only fails on a missing key or value, which a map excludes.
pub fn for_create(plan_tags: Option<&Dyn>) -> Result<Option<Vec<Tag>>, AwsError> {
    let map = plan_tags.map(map_of_strings).unwrap_or_default();
    if map.is_empty() {
        return Ok(None);
    }
    map.into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| AwsError::local(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The resource's tags as a `tags` value.
///
/// # Errors
/// When ListTagsForResource fails.
pub async fn list(c: &Clients, arn: &str) -> Result<Dyn, AwsError> {
    let out = c
        .personalize
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await?;
    Ok(string_map(out.tags().iter().map(|t| {
        (t.tag_key().to_owned(), t.tag_value().to_owned())
    })))
}

/// What to untag and what to (re)tag to go from `old` to `new`.
pub fn diff(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (Vec<String>, BTreeMap<String, String>) {
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let set = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (removed, set)
}

/// Applies a change of the `tags` attribute.
///
/// # Errors
/// When UntagResource or TagResource fails.
pub async fn update(
    c: &Clients,
    arn: &str,
    old: Option<&Dyn>,
    new: Option<&Dyn>,
) -> Result<(), AwsError> {
    let old = old.map(map_of_strings).unwrap_or_default();
    let new = new.map(map_of_strings).unwrap_or_default();
    let (removed, set) = diff(&old, &new);
    if !removed.is_empty() {
        c.personalize
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await?;
    }
    if !set.is_empty() {
        let tags = set
            .into_iter()
            .map(|(k, v)| {
                Tag::builder()
                    .tag_key(k)
                    .tag_value(v)
                    .build()
                    .map_err(|e| AwsError::local(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        c.personalize
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_untags_removed_and_sets_changed() {
        let old: BTreeMap<_, _> = [("a", "1"), ("b", "2"), ("c", "3")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let new: BTreeMap<_, _> = [("a", "1"), ("b", "9"), ("d", "4")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (removed, set) = diff(&old, &new);
        assert_eq!(removed, vec!["c".to_string()]);
        assert_eq!(set.keys().collect::<Vec<_>>(), vec!["b", "d"]);
    }
}

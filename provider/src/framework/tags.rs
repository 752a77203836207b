//! Tags, as terraform-provider-aws manages them (its "Resource Tagging" guide and the
//! `default_tags` / `ignore_tags` arguments of its provider block):
//! - `tags` are the resource's own; the provider block's `default_tags { tags }` apply to every
//!   taggable resource, a resource tag of the same key winning; the computed `tags_all` is the
//!   merge, and is what Create* receives and TagResource/UntagResource keep in step.
//! - `ignore_tags { keys key_prefixes }` makes matching tags invisible: never read into `tags`
//!   or `tags_all`, never sent, never removed. Keys starting with `aws:` (tags AWS itself adds)
//!   are ignored the same way.
//! - Reading: `tags_all` is what ListTagsForResource returns minus the ignored keys; `tags` is
//!   that minus the keys of `default_tags`, except the keys the resource itself sets. A tag
//!   added or changed out of band shows in the next plan (in `tags_all` only when it is a
//!   default's key), and a changed default value plans a change of `tags_all` alone.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_personalize::types::Tag;

use super::error::AwsError;
use super::schema::{Attr, Ty};
use super::value::{list_of_strings, map_of_strings, string_map, Dyn, DynExt, Obj};
use crate::provider::Clients;

/// The provider block's `default_tags` and `ignore_tags`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagConfig {
    /// `default_tags.tags`.
    pub defaults: BTreeMap<String, String>,
    /// `ignore_tags.keys`.
    pub ignore_keys: BTreeSet<String>,
    /// `ignore_tags.key_prefixes`.
    pub ignore_prefixes: Vec<String>,
}

/// The prefix of the tags AWS adds itself; the user cannot set or remove them.
const SYSTEM_PREFIX: &str = "aws:";

/// The prefix of the tags that also keep a resource's `triggers` on AWS, one tag per entry
/// (`tf-personalize:trigger:KEY` = value), so that an import reads them back: Personalize
/// stores nothing else Terraform could recover them from. Hidden from `tags` and `tags_all`
/// like the `aws:` tags, and refused in a configuration's `tags`.
pub const TRIGGER_PREFIX: &str = "tf-personalize:trigger:";

/// Tags a Personalize resource can have ("Tagging Amazon Personalize resources": 50 per
/// resource); trigger tags that would pass it are not written.
const MAX_TAGS: usize = 50;

/// Whether `text` fits Personalize's `TagKey`/`TagValue` pattern
/// (`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$` in the API model), read conservatively: ASCII letters,
/// digits, space and `_.:/=+-@`. ARNs, checksums, dates and version strings fit.
fn tag_text(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c))
}

/// The tags that keep `triggers` beside `others` tags: every entry, or none when any key or
/// value does not fit a tag (pattern, 128-character keys, 256-character values) or the tags
/// would pass AWS's per-resource limit. With none, the triggers stay in Terraform state only
/// and an import adopts the configuration's in place.
pub fn trigger_tags(triggers: Option<&Dyn>, others: usize) -> BTreeMap<String, String> {
    let Some(triggers) = triggers.filter(|t| !t.is_null() && !t.has_unknown()) else {
        return BTreeMap::new();
    };
    let tags: BTreeMap<String, String> = map_of_strings(triggers)
        .into_iter()
        .map(|(k, v)| (format!("{TRIGGER_PREFIX}{k}"), v))
        .collect();
    let fits = tags
        .iter()
        .all(|(k, v)| k.len() <= 128 && v.len() <= 256 && tag_text(k) && tag_text(v));
    if fits && others + tags.len() <= MAX_TAGS {
        tags
    } else {
        BTreeMap::new()
    }
}

/// The `triggers` kept in `remote` tags by [`trigger_tags`], `None` when there are none.
pub fn triggers_from(remote: &BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
    let triggers: BTreeMap<String, String> = remote
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(TRIGGER_PREFIX)?.to_owned(), v.clone())))
        .collect();
    (!triggers.is_empty()).then_some(triggers)
}

fn block<'a>(config: &'a Obj, name: &str) -> Option<&'a Obj> {
    config
        .get(name)
        .and_then(|v| v.list())
        .and_then(|l| l.first())
        .and_then(|v| v.obj())
}

impl TagConfig {
    /// Reads `default_tags` and `ignore_tags` from the provider configuration.
    pub fn from_provider(config: &Obj) -> Self {
        let defaults = block(config, "default_tags")
            .and_then(|b| b.get("tags"))
            .map(map_of_strings)
            .unwrap_or_default();
        let ignore = block(config, "ignore_tags");
        let strings = |k: &str| {
            ignore
                .and_then(|b| b.get(k))
                .map(list_of_strings)
                .unwrap_or_default()
        };
        Self {
            defaults,
            ignore_keys: strings("keys").into_iter().collect(),
            ignore_prefixes: strings("key_prefixes"),
        }
    }

    /// Whether a key is invisible to Terraform.
    pub fn ignored(&self, key: &str) -> bool {
        key.to_ascii_lowercase().starts_with(SYSTEM_PREFIX)
            || key.starts_with(TRIGGER_PREFIX)
            || self.ignore_keys.contains(key)
            || self
                .ignore_prefixes
                .iter()
                .any(|p| key.starts_with(p.as_str()))
    }

    /// `tags_all` for a resource's own `tags`: the defaults overlaid with them, minus the
    /// ignored keys.
    pub fn all(&self, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut all = self.defaults.clone();
        all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        all.retain(|k, _| !self.ignored(k));
        all
    }

    /// The planned `tags_all` for a `tags` value: unknown while any tag is.
    pub fn plan_all(&self, tags: Option<&Dyn>) -> Dyn {
        match tags {
            Some(t) if t.has_unknown() => Dyn::Unknown,
            Some(t) => string_map(self.all(&map_of_strings(t))),
            None => string_map(self.all(&BTreeMap::new())),
        }
    }

    /// `(tags, tags_all)` read from the remote tags; `own` is the resource's `tags` in state
    /// (null after an import, when every default key reads as `tags_all` only).
    pub fn read(
        &self,
        remote: &BTreeMap<String, String>,
        own: Option<&Dyn>,
    ) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let own = own.map(map_of_strings).unwrap_or_default();
        let all: BTreeMap<String, String> = remote
            .iter()
            .filter(|(k, _)| !self.ignored(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let tags = all
            .iter()
            .filter(|(k, _)| own.contains_key(*k) || !self.defaults.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        (tags, all)
    }
}

/// The provider block's `default_tags` and `ignore_tags` blocks.
pub fn provider_attrs() -> Vec<Attr> {
    vec![
        Attr::optional(
            "default_tags",
            Ty::Block(vec![Attr::optional(
                "tags",
                Ty::MapString,
                "Tags every taggable resource gets; a resource's own `tags` win on the same key.",
            )
            .check(super::validate::tags)]),
            "Tags applied to every taggable resource of this provider (as in the `aws` provider).",
        ),
        Attr::optional(
            "ignore_tags",
            Ty::Block(vec![
                Attr::optional("keys", Ty::ListString, "Tag keys to ignore.")
                    .check(key_list),
                Attr::optional(
                    "key_prefixes",
                    Ty::ListString,
                    "Tag key prefixes to ignore.",
                )
                .check(key_list),
            ]),
            "Tags the provider never reads, sets or removes on any resource (e.g. tags another tool manages).",
        ),
    ]
}

fn key_list(v: &Dyn) -> Result<(), String> {
    for k in v.list().unwrap_or_default() {
        match k.str() {
            Some("") => return Err("an empty tag key or prefix matches nothing".into()),
            Some(s) if s.len() > 128 => {
                return Err(format!(
                    "{s:?} is longer than 128 characters, the longest tag key"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The computed `tags_all` attribute of every taggable resource.
pub fn tags_all_attr() -> Attr {
    Attr::computed(
        "tags_all",
        Ty::MapString,
        "All the resource's tags: the provider's `default_tags` overlaid with `tags`, without ignored keys.",
    )
}

/// The `Tags` list of a Create* call: the plan's `tags_all`, plus its `triggers` as
/// [`trigger_tags`] when the resource has them.
///
/// # Errors
/// Never in practice: the builder only fails on a missing key or value, which a map excludes.
pub fn for_create(plan: &Obj) -> Result<Option<Vec<Tag>>, AwsError> {
    let mut map = plan.get("tags_all").map(map_of_strings).unwrap_or_default();
    map.extend(trigger_tags(plan.get("triggers"), map.len()));
    if map.is_empty() {
        return Ok(None);
    }
    to_tags(map).map(Some)
}

fn to_tags(map: BTreeMap<String, String>) -> Result<Vec<Tag>, AwsError> {
    map.into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| AwsError::local(e.to_string()))
        })
        .collect()
}

/// The resource's tags as ListTagsForResource returns them.
///
/// # Errors
/// When ListTagsForResource fails.
pub async fn list(c: &Clients, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let out = c
        .personalize
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned()))
        .collect())
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

/// Applies a change of `tags_all` (UntagResource, then TagResource).
///
/// # Errors
/// When UntagResource or TagResource fails.
pub async fn update(
    c: &Clients,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let (removed, set) = diff(old, new);
    if !removed.is_empty() {
        c.personalize
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await?;
    }
    if !set.is_empty() {
        c.personalize
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(to_tags(set)?))
            .send()
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::value::{list, obj, string_list};

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn config() -> TagConfig {
        TagConfig {
            defaults: map(&[("env", "prod"), ("team", "recs")]),
            ignore_keys: ["external".to_owned()].into(),
            ignore_prefixes: vec!["kubernetes.io/".into()],
        }
    }

    #[test]
    fn diff_untags_removed_and_sets_changed() {
        let old = map(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let new = map(&[("a", "1"), ("b", "9"), ("d", "4")]);
        let (removed, set) = diff(&old, &new);
        assert_eq!(removed, vec!["c".to_string()]);
        assert_eq!(set.keys().collect::<Vec<_>>(), vec!["b", "d"]);
    }

    #[test]
    fn provider_blocks_are_read() {
        let mut default_tags = Obj::new();
        default_tags.insert("tags".into(), string_map([("env", "prod")]));
        let mut ignore = Obj::new();
        ignore.insert("keys".into(), string_list(["external"]));
        ignore.insert("key_prefixes".into(), string_list(["kubernetes.io/"]));
        let mut provider = Obj::new();
        provider.insert("default_tags".into(), list(vec![obj(default_tags)]));
        provider.insert("ignore_tags".into(), list(vec![obj(ignore)]));
        let c = TagConfig::from_provider(&provider);
        assert_eq!(c.defaults, map(&[("env", "prod")]));
        assert!(c.ignored("external") && c.ignored("kubernetes.io/name"));
        assert!(c.ignored("aws:cloudformation:stack-name") && c.ignored("AWS:x"));
        assert!(!c.ignored("externals") && !c.ignored("env"));
        assert_eq!(TagConfig::from_provider(&Obj::new()), TagConfig::default());
    }

    #[test]
    fn all_overlays_resource_tags_on_defaults_without_ignored_keys() {
        let all = config().all(&map(&[("env", "dev"), ("external", "x"), ("app", "a")]));
        assert_eq!(all, map(&[("app", "a"), ("env", "dev"), ("team", "recs")]));
        assert_eq!(config().plan_all(Some(&Dyn::Unknown)), Dyn::Unknown);
        let mut partly = Obj::new();
        partly.insert("app".into(), Dyn::Unknown);
        assert_eq!(config().plan_all(Some(&obj(partly))), Dyn::Unknown);
        assert_eq!(
            config().plan_all(None),
            string_map([("env", "prod"), ("team", "recs")])
        );
    }

    #[test]
    fn read_hides_defaults_and_ignored_but_keeps_own_and_drift() {
        let remote = map(&[
            ("env", "prod"),          // a default, same value: not the resource's own
            ("team", "other"),        // a default's key, changed out of band: tags_all only
            ("app", "a"),             // the resource's own
            ("added", "oob"),         // added out of band
            ("external", "x"),        // ignored key
            ("kubernetes.io/n", "y"), // ignored prefix
        ]);
        let own = string_map([("app", "a")]);
        let (tags, all) = config().read(&remote, Some(&own));
        assert_eq!(tags, map(&[("added", "oob"), ("app", "a")]));
        assert_eq!(
            all,
            map(&[
                ("added", "oob"),
                ("app", "a"),
                ("env", "prod"),
                ("team", "other")
            ])
        );
        // A resource that sets a default's key to the default's value keeps it in `tags`.
        let own = string_map([("env", "prod")]);
        let (tags, _) = config().read(&map(&[("env", "prod")]), Some(&own));
        assert_eq!(tags, map(&[("env", "prod")]));
        let (tags, _) = config().read(&map(&[("env", "prod")]), None);
        assert!(tags.is_empty());
    }

    #[test]
    fn triggers_are_kept_in_tags_all_or_nothing_and_read_back() {
        let arn = "arn:aws:personalize:us-east-1:123456789012:dataset-import-job/x";
        let triggers = string_map([("import", arn), ("sum", "9f86d081")]);
        let tags = trigger_tags(Some(&triggers), 3);
        assert_eq!(
            tags,
            map(&[
                ("tf-personalize:trigger:import", arn),
                ("tf-personalize:trigger:sum", "9f86d081")
            ])
        );
        let mut remote = tags.clone();
        remote.insert("team".into(), "recs".into());
        assert_eq!(
            triggers_from(&remote),
            Some(map(&[("import", arn), ("sum", "9f86d081")]))
        );
        assert_eq!(triggers_from(&map(&[("team", "recs")])), None);
        // Hidden from tags and tags_all.
        assert_eq!(config().read(&remote, None).1.len(), 1);
        // One entry no tag can hold keeps every entry in state only.
        for bad in [
            string_map([("import", arn), ("json", "{\"rows\":2}")]),
            string_map([("long", "v".repeat(257).as_str())]),
            string_map([("k".repeat(106).as_str(), "v")]),
            string_map([("tab", "a\tb")]),
        ] {
            assert!(trigger_tags(Some(&bad), 0).is_empty(), "{bad:?}");
        }
        assert!(trigger_tags(Some(&triggers), 49).is_empty());
        assert!(trigger_tags(Some(&Dyn::Unknown), 0).is_empty());
        assert!(trigger_tags(None, 0).is_empty());
    }

    #[test]
    fn key_lists_refuse_empty_and_overlong_keys() {
        assert!(key_list(&string_list(["a", "b/"])).is_ok());
        assert!(key_list(&string_list([""])).unwrap_err().contains("empty"));
        assert!(key_list(&string_list(["k".repeat(129)]))
            .unwrap_err()
            .contains("128"));
    }
}

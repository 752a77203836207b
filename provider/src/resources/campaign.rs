//! `personalize_campaign`: serves recommendations from a solution version. The solution
//! version, `min_provisioned_tps` and `campaign_config` change in place through UpdateCampaign;
//! the update is waited for until `latestCampaignUpdate` is ACTIVE.

use async_trait::async_trait;
use aws_sdk_personalize::types::{CampaignConfig, RankingInfluenceType};

use super::common::{
    described, get_block, get_bool, get_i32, get_str, summary, summary_members, times,
};
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, status_attr, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Op, Timeouts};
use crate::framework::validate;
use crate::framework::value::{
    boolean, list, map_of_strings, number, obj, opt_string, string, string_map, Dyn, DynExt, Obj,
};
use crate::framework::wait;
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct Campaign;

fn tps(v: &Dyn) -> Result<(), String> {
    validate::number_in(v, 1.0, 100_000.0, true)
        .map_err(|e| format!("min_provisioned_tps must be a whole number of at least 1: {e}"))
}

fn campaign_config_attrs() -> Vec<Attr> {
    vec![
        Attr::optional_computed(
            "item_exploration_config",
            Ty::MapString,
            "Exploration of new items (`explorationWeight`, `explorationItemAgeCutOff`, as the API names them), User-Personalization recipes only; AWS fills in `0.3` and `30` days for what is left out.",
        ),
        Attr::optional_computed(
            "enable_metadata_with_recommendations",
            Ty::Bool,
            "Return item metadata with recommendations (default false).",
        )
        .default(boolean(false)),
        Attr::optional_computed(
            "sync_with_latest_solution_version",
            Ty::Bool,
            "Follow the solution's latest ACTIVE version automatically (default false); `solution_version_arn` is then `<solution ARN>/$LATEST`.",
        )
        .default(boolean(false)),
        Attr::optional(
            "ranking_influence",
            Ty::MapNumber,
            "How much `POPULARITY` and `FRESHNESS` weigh in the ranking, each from 0 (no influence) to 1 (User-Personalization-v2 recipes).",
        )
        .check(ranking_influence),
    ]
}

pub(crate) fn ranking_influence(v: &Dyn) -> Result<(), String> {
    for (kind, weight) in v.obj().into_iter().flatten() {
        validate::one_of(&string(kind.clone()), &["POPULARITY", "FRESHNESS"])
            .map_err(|e| format!("ranking influence {e}"))?;
        if !weight.is_unknown() {
            validate::number_in(weight, 0.0, 1.0, false).map_err(|e| format!("{kind}: {e}"))?;
        }
    }
    Ok(())
}

#[async_trait]
impl ResourceType for Campaign {
    const DISPLAY: &'static str = "Campaign";
    const ARN_FORM: &'static str = "campaign/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(30));
    const UPDATES: bool = true;

    fn description() -> &'static str {
        "An Amazon Personalize campaign: deploys a solution version for real-time recommendations."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the campaign.")
                .force_new()
                .check(validate::name),
            Attr::required("solution_version_arn", Ty::String, "ARN of the solution version to deploy; changed in place.")
                .reads("ARN of the deployed solution version.")
                .check(validate::personalize_arn),
            Attr::optional_computed("min_provisioned_tps", Ty::Number, "Minimum provisioned transactions per second (at least 1, default 1); changed in place.")
                .reads("Minimum provisioned transactions per second.")
                .default(number(1.0))
                .check(tps),
            Attr::optional("campaign_config", Ty::Block(campaign_config_attrs()), "Campaign configuration; changed in place."),
            Attr::computed("failure_reason", Ty::String, "Why creation or the last update failed, if it did."),
            Attr::computed("latest_campaign_update", Ty::MapString, "The last UpdateCampaign, as Personalize reports it: `status`, `failure_reason`, `solution_version_arn`, `min_provisioned_tps`, `creation_date_time`, `last_updated_date_time` (members Personalize leaves out are absent); null before the first update."),
            status_attr(),
            tags_attr(),
        ];
        attrs.extend(common_computed("campaign"));
        attrs
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_campaign()
            .set_name(get_str(plan, "name"))
            .set_solution_version_arn(get_str(plan, "solution_version_arn"))
            .set_min_provisioned_tps(get_i32(plan, "min_provisioned_tps"))
            .set_campaign_config(expand_config(plan))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        out.campaign_arn
            .ok_or_else(|| AwsError::local("CreateCampaign returned no ARN"))
    }

    type Remote = aws_sdk_personalize::types::Campaign;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_campaign_by_arn(c, arn).await
    }

    /// DescribeCampaign's shape as attribute values.
    fn flatten(x: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(x.name()));
        o.insert(
            "solution_version_arn".into(),
            opt_string(x.solution_version_arn()),
        );
        o.insert(
            "min_provisioned_tps".into(),
            x.min_provisioned_tps()
                .map_or(tf_provider::value::Value::Null, |t| number(f64::from(t))),
        );
        let config = x.campaign_config().map(|cfg| {
            let mut m = Obj::new();
            // What AWS filled in reads as left out, as the configuration that made it has it.
            m.insert(
                "item_exploration_config".into(),
                without_default_exploration(Some(&string_map(
                    cfg.item_exploration_config().cloned().unwrap_or_default(),
                ))),
            );
            m.insert(
                "enable_metadata_with_recommendations".into(),
                boolean(cfg.enable_metadata_with_recommendations().unwrap_or(false)),
            );
            m.insert(
                "sync_with_latest_solution_version".into(),
                boolean(cfg.sync_with_latest_solution_version().unwrap_or(false)),
            );
            // Optional: absent (or empty) is null, as the plan has it.
            m.insert(
                "ranking_influence".into(),
                cfg.ranking_influence().filter(|m| !m.is_empty()).map_or(
                    tf_provider::value::Value::Null,
                    |m| {
                        obj(m
                            .iter()
                            .map(|(k, v)| (k.as_str().to_owned(), number(*v)))
                            .collect())
                    },
                ),
            );
            m
        });
        // A configuration of AWS's defaults only (what AWS reports for a campaign created or reset
        // without one) reads as no block, as the configuration that made it has it.
        let config = config.filter(|m| canonical_config(m).is_some()).map(obj);
        o.insert("campaign_config".into(), list(config.into_iter().collect()));
        o.insert(
            "latest_campaign_update".into(),
            summary(x.latest_campaign_update().map(|u| {
                let [st, fr, cr, up] = summary_members!(u);
                [
                    st,
                    fr,
                    (
                        "solution_version_arn",
                        u.solution_version_arn().map(str::to_owned),
                    ),
                    (
                        "min_provisioned_tps",
                        u.min_provisioned_tps().map(|t| t.to_string()),
                    ),
                    cr,
                    up,
                ]
            })),
        );
        o.insert("status".into(), opt_string(x.status()));
        o.insert("failure_reason".into(), opt_string(x.failure_reason()));
        if let Some(arn) = x.campaign_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, x.creation_date_time(), x.last_updated_date_time());
        o
    }

    /// The campaign's own status, or during an update the latest update's (the campaign stays
    /// ACTIVE, serving the old version, while an update is in progress).
    fn status(x: &Self::Remote, op: Op) -> (String, Option<String>) {
        wait::during(
            op,
            (x.status(), x.failure_reason()),
            x.latest_campaign_update()
                .map(|u| (u.status(), u.failure_reason())),
        )
    }

    async fn update(c: &Clients, arn: &str, prior: &Obj, plan: &Obj) -> Result<(), AwsError> {
        c.personalize
            .update_campaign()
            .campaign_arn(arn)
            .set_solution_version_arn(get_str(plan, "solution_version_arn"))
            .set_min_provisioned_tps(get_i32(plan, "min_provisioned_tps"))
            .set_campaign_config(expand_update_config(prior, plan))
            .send()
            .await?;
        Ok(())
    }

    fn update_waits(_prior: &Obj, _plan: &Obj) -> bool {
        true
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize
            .delete_campaign()
            .campaign_arn(arn)
            .send()
            .await?;
        Ok(())
    }

    fn equivalent(name: &str, state: &Dyn, remote: &Dyn) -> bool {
        match name {
            "campaign_config" => {
                let first = |v: &Dyn| {
                    canonical_config(
                        v.list()
                            .and_then(|l| l.first())
                            .and_then(DynExt::obj)
                            .unwrap_or(&Obj::new()),
                    )
                };
                first(state) == first(remote)
            }
            // With sync_with_latest_solution_version the campaign follows the solution: the
            // `$LATEST` form and the version it resolved to name the same deployment.
            "solution_version_arn" => match (state.str(), remote.str()) {
                (Some(st), Some(re)) => st
                    .strip_suffix(LATEST)
                    .is_some_and(|solution| re.starts_with(solution)),
                _ => false,
            },
            _ => false,
        }
    }
}

/// The campaign, `None` when it does not exist.
///
/// # Errors
/// When DescribeCampaign fails otherwise.
pub async fn find_campaign_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::Campaign>, AwsError> {
    described(
        c.personalize.describe_campaign().campaign_arn(arn).send(),
        |o| o.campaign,
    )
    .await
}

/// The suffix that makes a solution ARN name its latest version
/// (<https://docs.aws.amazon.com/personalize/latest/APIReference/API_CampaignConfig.html>:
/// "It must be in SolutionArn/$LATEST format").
pub const LATEST: &str = "/$LATEST";

/// What AWS fills in for exploration keys left out, on User-Personalization campaigns
/// (<https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html>:
/// exploration weight 0.3, item age cut-off 30 days).
pub const EXPLORATION_DEFAULTS: [(&str, f64); 2] = [
    ("explorationWeight", 0.3),
    ("explorationItemAgeCutOff", 30.0),
];

/// A `campaign_config` object without what AWS assumes anyway (false flags, default
/// exploration values, zero ranking weights): two configurations mean the same exactly when
/// these are equal, and a configuration of defaults only is `None`, as if the block were absent.
fn canonical_config(cfg: &Obj) -> Option<Obj> {
    let mut out = Obj::new();
    let exploration = without_default_exploration(cfg.get("item_exploration_config"));
    if !exploration.is_null() {
        out.insert("item_exploration_config".into(), exploration);
    }
    for flag in [
        "enable_metadata_with_recommendations",
        "sync_with_latest_solution_version",
    ] {
        if cfg.get(flag).and_then(DynExt::boolean) == Some(true) {
            out.insert(flag.into(), boolean(true));
        }
    }
    let influence: Obj = cfg
        .get("ranking_influence")
        .and_then(DynExt::obj)
        .into_iter()
        .flatten()
        .filter(|(_, v)| v.num().is_some_and(|w| w != 0.0))
        .map(|(k, v)| (k.clone(), number(v.num().unwrap_or_default())))
        .collect();
    if !influence.is_empty() {
        out.insert("ranking_influence".into(), obj(influence));
    }
    (!out.is_empty()).then_some(out)
}

/// An `item_exploration_config` without the keys at AWS's default values; null when none is
/// left (what a configuration leaving them out has).
pub fn without_default_exploration(map: Option<&Dyn>) -> Dyn {
    let left: Obj = map
        .and_then(DynExt::obj)
        .into_iter()
        .flatten()
        .filter(|(k, v)| {
            let default = EXPLORATION_DEFAULTS.iter().find(|(d, _)| d == k);
            let value = v.str().and_then(|x| x.trim().parse::<f64>().ok());
            !matches!((default, value), (Some((_, d)), Some(x)) if x == *d)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if left.is_empty() {
        tf_provider::value::Value::Null
    } else {
        obj(left)
    }
}

/// The CampaignConfig UpdateCampaign receives. What the plan leaves out but the prior state had
/// is reset explicitly (false flags, an empty exploration map that AWS fills with its
/// defaults, an empty ranking influence): UpdateCampaign without `campaignConfig` would keep
/// the old configuration, so removing the block would change nothing.
pub fn expand_update_config(prior: &Obj, plan: &Obj) -> Option<CampaignConfig> {
    let had = get_block(prior, "campaign_config");
    let had_key = |k: &str| {
        had.and_then(|h| h.get(k))
            .is_some_and(|v| v.obj().is_some_and(|m| !m.is_empty()))
    };
    let cfg = get_block(plan, "campaign_config");
    if cfg.is_none() && had.is_none() {
        return None;
    }
    let empty = Obj::new();
    let api = config_builder(cfg.unwrap_or(&empty)).build();
    let mut builder = config_builder(cfg.unwrap_or(&empty));
    if cfg.is_none() {
        builder = builder
            .enable_metadata_with_recommendations(false)
            .sync_with_latest_solution_version(false);
    }
    if api.item_exploration_config().is_none() && had_key("item_exploration_config") {
        builder = builder.set_item_exploration_config(Some(Default::default()));
    }
    if api.ranking_influence().is_none() && had_key("ranking_influence") {
        builder = builder.set_ranking_influence(Some(Default::default()));
    }
    Some(builder.build())
}

/// The `campaign_config` block as the API's CampaignConfig.
pub fn expand_config(plan: &Obj) -> Option<CampaignConfig> {
    get_block(plan, "campaign_config").map(|cfg| config_builder(cfg).build())
}

fn config_builder(cfg: &Obj) -> aws_sdk_personalize::types::builders::CampaignConfigBuilder {
    let exploration = cfg
        .get("item_exploration_config")
        .map(map_of_strings)
        .unwrap_or_default();
    CampaignConfig::builder()
        .set_item_exploration_config(
            (!exploration.is_empty()).then(|| exploration.into_iter().collect()),
        )
        .set_enable_metadata_with_recommendations(get_bool(
            cfg,
            "enable_metadata_with_recommendations",
        ))
        .set_sync_with_latest_solution_version(get_bool(cfg, "sync_with_latest_solution_version"))
        .set_ranking_influence(cfg.get("ranking_influence").and_then(DynExt::obj).map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((RankingInfluenceType::from(k.as_str()), v.num()?)))
                .collect()
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tps_must_be_a_whole_number_of_at_least_one() {
        assert!(tps(&number(1.0)).is_ok());
        assert!(tps(&number(0.0)).unwrap_err().contains("at least 1"));
        assert!(tps(&number(-3.0)).is_err());
        assert!(tps(&number(1.5)).is_err());
        assert!(tps(&number(1e12)).is_err());
    }

    #[test]
    fn config_round_trips() {
        let mut cfg = Obj::new();
        cfg.insert(
            "item_exploration_config".into(),
            string_map([("explorationWeight", "0.3")]),
        );
        cfg.insert("enable_metadata_with_recommendations".into(), boolean(true));
        cfg.insert(
            "sync_with_latest_solution_version".into(),
            tf_provider::value::Value::Null,
        );
        let mut plan = Obj::new();
        plan.insert("campaign_config".into(), list(vec![obj(cfg)]));
        let api = expand_config(&plan).unwrap();
        assert_eq!(
            api.item_exploration_config().unwrap()["explorationWeight"],
            "0.3"
        );
        assert_eq!(api.enable_metadata_with_recommendations(), Some(true));
        assert_eq!(api.sync_with_latest_solution_version(), None);
        assert!(expand_config(&Obj::new()).is_none());
    }

    #[test]
    fn ranking_influence_is_checked_and_round_trips() {
        let weights = |pairs: &[(&str, f64)]| {
            obj(pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), number(*v)))
                .collect())
        };
        assert!(ranking_influence(&weights(&[("POPULARITY", 0.0), ("FRESHNESS", 1.0)])).is_ok());
        let e = ranking_influence(&weights(&[("PRICE", 0.5)])).unwrap_err();
        assert!(
            e.contains("\"PRICE\" is not one of POPULARITY, FRESHNESS"),
            "{e}"
        );
        let e = ranking_influence(&weights(&[("FRESHNESS", 1.5)])).unwrap_err();
        assert!(e.contains("FRESHNESS: 1.5 must be between 0 and 1"), "{e}");
        assert!(ranking_influence(&weights(&[("POPULARITY", -0.1)])).is_err());
        let mut cfg = Obj::new();
        cfg.insert("ranking_influence".into(), weights(&[("POPULARITY", 0.25)]));
        let mut plan = Obj::new();
        plan.insert("campaign_config".into(), list(vec![obj(cfg)]));
        let api = expand_config(&plan).unwrap();
        assert_eq!(
            api.ranking_influence().unwrap()[&RankingInfluenceType::Popularity],
            0.25
        );
        let campaign = aws_sdk_personalize::types::Campaign::builder()
            .campaign_config(api)
            .build();
        let back = <Campaign as ResourceType>::flatten(&campaign);
        let cfg = get_block(&back, "campaign_config").unwrap();
        assert_eq!(cfg["ranking_influence"], weights(&[("POPULARITY", 0.25)]));
    }

    #[test]
    fn updates_in_place_except_the_name() {
        for a in Campaign::attributes().iter().filter(|a| a.configurable()) {
            assert_eq!(a.force_new, a.name == "name", "{}", a.name);
        }
    }
}

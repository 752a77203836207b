//! `personalize_recommender`: serves one use case of a domain dataset group. The
//! `recommender_config` changes in place through UpdateRecommender (waiting until
//! `latestRecommenderUpdate` is ACTIVE); `status` starts (`ACTIVE`) or stops (`INACTIVE`) it
//! through StartRecommender and StopRecommender; everything else forces replacement.

use async_trait::async_trait;
use aws_sdk_personalize::types::RecommenderConfig;

use super::campaign::without_default_exploration;
use super::common::{
    described, get_block, get_bool, get_i32, get_str, summary, summary_members, times,
};
use super::solution_config::{expand_training_data, flatten_training_data, training_data_attr};
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, tags_attr, Attr, Ty};
use crate::framework::tags;
use crate::framework::timeouts::{minutes, Op, Timeouts};
use crate::framework::validate;
use crate::framework::value::{
    boolean, list, map_of_strings, number, obj, opt_string, string, string_map, Dyn, DynExt, Obj,
};
use crate::framework::wait::{self, Target};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct Recommender;

/// The use cases a recommender is created for: the recipe ARNs of the developer guide's
/// "VIDEO_ON_DEMAND use cases" and "ECOMMERCE use cases" pages.
pub const USE_CASES: [&str; 10] = [
    "aws-vod-because-you-watched-x",
    "aws-vod-more-like-x",
    "aws-vod-most-popular",
    "aws-vod-trending-now",
    "aws-vod-top-picks",
    "aws-ecomm-customers-who-viewed-x-also-viewed",
    "aws-ecomm-frequently-bought-together",
    "aws-ecomm-popular-items-by-purchases",
    "aws-ecomm-popular-items-by-views",
    "aws-ecomm-recommended-for-you",
];

/// The statuses `status` may ask for.
const DESIRED: [&str; 2] = ["ACTIVE", "INACTIVE"];

/// A stop or start in progress, ending ACTIVE or INACTIVE (API_DescribeRecommender: "STOP
/// PENDING > STOP IN_PROGRESS > INACTIVE > START PENDING > START IN_PROGRESS > ACTIVE").
const SWITCHING: Target<'static> = Target {
    pending: &[
        "CREATE PENDING",
        "CREATE IN_PROGRESS",
        "STOP PENDING",
        "STOP IN_PROGRESS",
        "START PENDING",
        "START IN_PROGRESS",
    ],
    target: &["ACTIVE", "INACTIVE"],
};

fn recipe(v: &Dyn) -> Result<(), String> {
    validate::personalize_arn(v)?;
    let name = v
        .str()
        .and_then(|a| a.rsplit_once(":recipe/"))
        .map(|(_, name)| name);
    match name {
        Some(name) if USE_CASES.contains(&name) => Ok(()),
        _ => Err(format!(
            "not the recipe of a use case; a recommender takes one of arn:aws:personalize:::recipe/{{{}}}",
            USE_CASES.join(", ")
        )),
    }
}

fn rps(v: &Dyn) -> Result<(), String> {
    validate::number_in(v, 1.0, 1_000_000.0, true)
}

fn exploration(v: &Dyn) -> Result<(), String> {
    for (key, value) in v.obj().into_iter().flatten() {
        validate::one_of(
            &string(key.clone()),
            &["explorationWeight", "explorationItemAgeCutOff"],
        )
        .map_err(|e| format!("item_exploration_config key {e}"))?;
        if let Some(text) = value.str() {
            let number = text
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("item_exploration_config.{key} {text:?} is not a number"))?;
            let (min, max) = match key.as_str() {
                "explorationWeight" => (0.0, 1.0),
                _ => (1.0, f64::MAX),
            };
            if !(min..=max).contains(&number) {
                return Err(format!(
                    "item_exploration_config.{key} {text} is out of range (explorationWeight 0 to 1, explorationItemAgeCutOff at least 1 day)"
                ));
            }
        }
    }
    Ok(())
}

fn config_attrs() -> Vec<Attr> {
    vec![
        Attr::optional(
            "item_exploration_config",
            Ty::MapString,
            "Exploration of new items for the Top picks for you and Recommended for you use cases (`explorationWeight`, 0 to 1; `explorationItemAgeCutOff`, days); AWS fills in `0.3` and `30` for what is left out.",
        )
        .check(exploration),
        Attr::optional_computed(
            "min_recommendation_requests_per_second",
            Ty::Number,
            "Requests per second Personalize provisions for (at least 1, default 1).",
        )
        .default(number(1.0))
        .check(rps),
        Attr::optional_computed(
            "enable_metadata_with_recommendations",
            Ty::Bool,
            "Return item metadata with recommendations (`metadataColumns`; default false).",
        )
        .default(boolean(false)),
        training_data_attr(),
    ]
}

#[async_trait]
impl ResourceType for Recommender {
    const DISPLAY: &'static str = "Recommender";
    const ARN_FORM: &'static str = "recommender/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(120));
    const UPDATES: bool = true;

    fn description() -> &'static str {
        "An Amazon Personalize recommender: serves one use case (VIDEO_ON_DEMAND or ECOMMERCE) of a domain dataset group."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the recommender.")
                .force_new()
                .check(validate::name),
            Attr::required("dataset_group_arn", Ty::String, "ARN of the domain dataset group.")
                .force_new()
                .check(validate::personalize_arn),
            Attr::required("recipe_arn", Ty::String, "ARN of the use case, e.g. `arn:aws:personalize:::recipe/aws-vod-top-picks`.")
                .force_new()
                .check(recipe),
            Attr::optional("recommender_config", Ty::Block(config_attrs()), "Recommender configuration; changed in place (a change of `training_data_config` retrains)."),
            Attr::optional_computed("status", Ty::String, "`ACTIVE` (serving, and billed) or `INACTIVE` (stopped): changing it starts or stops the recommender in place. Left out, the recommender stays as it is.")
                .reads("Status reported by Personalize, e.g. `ACTIVE`, `INACTIVE` or `CREATE FAILED`.")
                .check(|v| validate::one_of(v, &DESIRED)),
            Attr::computed("failure_reason", Ty::String, "Why creation or the last update failed, if it did."),
            Attr::computed("model_metrics", Ty::MapNumber, "Evaluation metrics of the recommender's model, as Personalize reports them."),
            Attr::computed("latest_recommender_update", Ty::MapString, "The last UpdateRecommender, as Personalize reports it: `status`, `failure_reason`, `creation_date_time`, `last_updated_date_time`; null before the first update."),
            tags_attr(),
        ];
        attrs.extend(common_computed("recommender"));
        attrs
    }

    fn create_target() -> Option<Target<'static>> {
        Some(SWITCHING)
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_recommender()
            .set_name(get_str(plan, "name"))
            .set_dataset_group_arn(get_str(plan, "dataset_group_arn"))
            .set_recipe_arn(get_str(plan, "recipe_arn"))
            .set_recommender_config(expand_config(plan))
            .set_tags(tags::for_create(plan)?)
            .send()
            .await?;
        let arn = out
            .recommender_arn
            .ok_or_else(|| AwsError::local("CreateRecommender returned no ARN"))?;
        if get_str(plan, "status").as_deref() == Some("INACTIVE") {
            // Stopped from the start: once the recommender is ACTIVE (StopRecommender takes
            // nothing else). A failed creation is left to the generic wait, which reports it.
            if settle(c, &arn, plan, Op::Create).await?.as_deref() == Some("ACTIVE") {
                stop(c, &arn).await?;
            }
        }
        Ok(arn)
    }

    type Remote = aws_sdk_personalize::types::Recommender;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_recommender_by_arn(c, arn).await
    }

    /// DescribeRecommender's shape as attribute values.
    fn flatten(x: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(x.name()));
        o.insert(
            "dataset_group_arn".into(),
            opt_string(x.dataset_group_arn()),
        );
        o.insert("recipe_arn".into(), opt_string(x.recipe_arn()));
        let config = x.recommender_config().map(|cfg| {
            let mut m = Obj::new();
            // What AWS filled in reads as left out, as the configuration that made it has it.
            m.insert(
                "item_exploration_config".into(),
                without_default_exploration(Some(&string_map(
                    cfg.item_exploration_config().cloned().unwrap_or_default(),
                ))),
            );
            m.insert(
                "min_recommendation_requests_per_second".into(),
                number(f64::from(
                    cfg.min_recommendation_requests_per_second().unwrap_or(1),
                )),
            );
            m.insert(
                "enable_metadata_with_recommendations".into(),
                boolean(cfg.enable_metadata_with_recommendations().unwrap_or(false)),
            );
            let training = cfg
                .training_data_config()
                .map(flatten_training_data)
                .filter(|t| t.values().any(|v| !v.is_null()));
            m.insert(
                "training_data_config".into(),
                list(training.map(obj).into_iter().collect()),
            );
            m
        });
        // A configuration of AWS's defaults only reads as no block, as the configuration that
        // made it has it.
        let config = config.filter(|m| canonical(Some(m)).is_some()).map(obj);
        o.insert(
            "recommender_config".into(),
            list(config.into_iter().collect()),
        );
        o.insert("status".into(), opt_string(x.status()));
        o.insert("failure_reason".into(), opt_string(x.failure_reason()));
        o.insert(
            "model_metrics".into(),
            x.model_metrics()
                .filter(|m| !m.is_empty())
                .map_or(tf_provider::value::Value::Null, |m| {
                    obj(m.iter().map(|(k, v)| (k.clone(), number(*v))).collect())
                }),
        );
        o.insert(
            "latest_recommender_update".into(),
            summary(x.latest_recommender_update().map(|u| summary_members!(u))),
        );
        if let Some(arn) = x.recommender_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, x.creation_date_time(), x.last_updated_date_time());
        o
    }

    /// The recommender's own status (its `status` attribute is the desired one).
    fn status(x: &Self::Remote, op: Op) -> (String, Option<String>) {
        wait::during(op, (x.status(), x.failure_reason()), None)
    }

    async fn update(c: &Clients, arn: &str, prior: &Obj, plan: &Obj) -> Result<(), AwsError> {
        let mut current = settle(c, arn, plan, Op::Update).await?;
        let config_changes = canonical(get_block(prior, "recommender_config"))
            != canonical(get_block(plan, "recommender_config"));
        if config_changes {
            // UpdateRecommender takes an ACTIVE recommender: a stopped one is started first,
            // and stopped again below if `status` keeps it INACTIVE.
            if current.as_deref() == Some("INACTIVE") {
                start(c, arn).await?;
                current = settle(c, arn, plan, Op::Update).await?;
            }
            c.personalize
                .update_recommender()
                .recommender_arn(arn)
                .recommender_config(expand_update_config(plan))
                .send()
                .await?;
            wait_for_update(c, arn, plan).await?;
        }
        let wanted = get_str(plan, "status");
        match (wanted.as_deref(), current.as_deref()) {
            (Some("INACTIVE"), Some("ACTIVE")) => stop(c, arn).await,
            (Some("ACTIVE"), Some("INACTIVE")) => start(c, arn).await,
            _ => Ok(()),
        }
    }

    fn update_waits(_prior: &Obj, _plan: &Obj) -> bool {
        true
    }

    fn update_target() -> Target<'static> {
        SWITCHING
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize
            .delete_recommender()
            .recommender_arn(arn)
            .send()
            .await?;
        Ok(())
    }

    fn equivalent(name: &str, state: &Dyn, remote: &Dyn) -> bool {
        let first = |v: &Dyn| {
            v.list()
                .and_then(|l| l.first())
                .and_then(DynExt::obj)
                .cloned()
        };
        name == "recommender_config"
            && canonical(first(state).as_ref()) == canonical(first(remote).as_ref())
    }
}

/// The recommender, `None` when it does not exist.
///
/// # Errors
/// When DescribeRecommender fails otherwise.
pub async fn find_recommender_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::Recommender>, AwsError> {
    described(
        c.personalize
            .describe_recommender()
            .recommender_arn(arn)
            .send(),
        |o| o.recommender,
    )
    .await
}

async fn stop(c: &Clients, arn: &str) -> Result<(), AwsError> {
    c.personalize
        .stop_recommender()
        .recommender_arn(arn)
        .send()
        .await?;
    Ok(())
}

async fn start(c: &Clients, arn: &str) -> Result<(), AwsError> {
    c.personalize
        .start_recommender()
        .recommender_arn(arn)
        .send()
        .await?;
    Ok(())
}

/// Waits until the recommender is done creating, starting or stopping; its status then.
async fn settle(c: &Clients, arn: &str, plan: &Obj, op: Op) -> Result<Option<String>, AwsError> {
    let timeout = Recommender::TIMEOUTS
        .get(
            plan.get("timeouts")
                .unwrap_or(&tf_provider::value::Value::Null),
            op,
        )
        .map_err(AwsError::local)?;
    let observed = wait::until(SWITCHING, timeout, || Recommender::observe(c, arn, op))
        .await
        .or_else(|e| match e {
            // A failed creation is not this wait's to report: the caller's wait does.
            wait::WaitError::Failed { status, .. } => Ok(Some((status, None))),
            e => Err(AwsError::local(format!(
                "waiting for recommender {arn}: {e}"
            ))),
        })?;
    Ok(observed.map(|(status, _)| status))
}

/// Waits until the recommender's latest update is ACTIVE (the recommender serves with its old
/// configuration meanwhile); a failed update is an error with Personalize's reason.
async fn wait_for_update(c: &Clients, arn: &str, plan: &Obj) -> Result<(), AwsError> {
    let timeout = Recommender::TIMEOUTS
        .get(
            plan.get("timeouts")
                .unwrap_or(&tf_provider::value::Value::Null),
            Op::Update,
        )
        .map_err(AwsError::local)?;
    wait::until(wait::UPDATING, timeout, || async {
        Ok(find_recommender_by_arn(c, arn)
            .await?
            .map(|x| match x.latest_recommender_update() {
                Some(u) => (
                    u.status().unwrap_or("ACTIVE").to_owned(),
                    u.failure_reason().map(str::to_owned),
                ),
                None => ("ACTIVE".to_owned(), None),
            }))
    })
    .await
    .map(|_| ())
    .map_err(|e| AwsError::local(format!("waiting for the update of recommender {arn}: {e}")))
}

/// A `recommender_config` without what AWS assumes anyway (a rate of 1, false metadata,
/// default exploration values, empty training columns): two configurations mean the same
/// exactly when these are equal, and one of defaults only is `None`, as an absent block.
fn canonical(cfg: Option<&Obj>) -> Option<Obj> {
    let cfg = cfg?;
    let mut out = Obj::new();
    let exploration = without_default_exploration(cfg.get("item_exploration_config"));
    if !exploration.is_null() {
        out.insert("item_exploration_config".into(), exploration);
    }
    if let Some(rate) = cfg
        .get("min_recommendation_requests_per_second")
        .and_then(DynExt::num)
        .filter(|r| *r != 1.0)
    {
        out.insert(
            "min_recommendation_requests_per_second".into(),
            number(rate),
        );
    }
    if cfg
        .get("enable_metadata_with_recommendations")
        .and_then(DynExt::boolean)
        == Some(true)
    {
        out.insert("enable_metadata_with_recommendations".into(), boolean(true));
    }
    let training = get_block(cfg, "training_data_config")
        .map(|t| flatten_training_data(&expand_training_data(t)));
    if let Some(t) = training.filter(|t| t.values().any(|v| !v.is_null())) {
        out.insert("training_data_config".into(), obj(t));
    }
    (!out.is_empty()).then_some(out)
}

/// The `recommender_config` block as the API's RecommenderConfig.
pub fn expand_config(plan: &Obj) -> Option<RecommenderConfig> {
    get_block(plan, "recommender_config").map(|cfg| config_builder(cfg).build())
}

/// The RecommenderConfig UpdateRecommender receives: the whole configuration the plan wants,
/// with AWS's defaults spelled out where the plan leaves a member out, so removing a member
/// (or the block) resets it rather than keeping the old value.
fn expand_update_config(plan: &Obj) -> RecommenderConfig {
    let empty = Obj::new();
    let cfg = get_block(plan, "recommender_config").unwrap_or(&empty);
    let mut builder = config_builder(cfg);
    let api = config_builder(cfg).build();
    if api.min_recommendation_requests_per_second().is_none() {
        builder = builder.min_recommendation_requests_per_second(1);
    }
    if api.enable_metadata_with_recommendations().is_none() {
        builder = builder.enable_metadata_with_recommendations(false);
    }
    if api.training_data_config().is_none() {
        builder = builder.training_data_config(
            aws_sdk_personalize::types::TrainingDataConfig::builder().build(),
        );
    }
    builder.build()
}

fn config_builder(cfg: &Obj) -> aws_sdk_personalize::types::builders::RecommenderConfigBuilder {
    let exploration = cfg
        .get("item_exploration_config")
        .map(map_of_strings)
        .unwrap_or_default();
    RecommenderConfig::builder()
        .set_item_exploration_config(
            (!exploration.is_empty()).then(|| exploration.into_iter().collect()),
        )
        .set_min_recommendation_requests_per_second(get_i32(
            cfg,
            "min_recommendation_requests_per_second",
        ))
        .set_enable_metadata_with_recommendations(get_bool(
            cfg,
            "enable_metadata_with_recommendations",
        ))
        .set_training_data_config(get_block(cfg, "training_data_config").map(expand_training_data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_use_case_recipes_are_accepted() {
        assert!(recipe(&string("arn:aws:personalize:::recipe/aws-vod-top-picks")).is_ok());
        let e = recipe(&string(
            "arn:aws:personalize:::recipe/aws-user-personalization",
        ))
        .unwrap_err();
        assert!(e.contains("not the recipe of a use case"), "{e}");
        assert!(recipe(&string("aws-vod-top-picks")).is_err());
    }

    #[test]
    fn exploration_keys_and_ranges_are_checked() {
        assert!(exploration(&string_map([("explorationWeight", "0.5")])).is_ok());
        let e = exploration(&string_map([("weight", "0.5")])).unwrap_err();
        assert!(e.contains("item_exploration_config key"), "{e}");
        let e = exploration(&string_map([("explorationWeight", "1.5")])).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        let e = exploration(&string_map([("explorationItemAgeCutOff", "soon")])).unwrap_err();
        assert!(e.contains("is not a number"), "{e}");
    }

    #[test]
    fn defaults_read_as_no_configuration_and_round_trip() {
        let described = aws_sdk_personalize::types::Recommender::builder()
            .recommender_config(
                RecommenderConfig::builder()
                    .item_exploration_config("explorationWeight", "0.3")
                    .item_exploration_config("explorationItemAgeCutOff", "30")
                    .min_recommendation_requests_per_second(1)
                    .build(),
            )
            .build();
        assert_eq!(
            <Recommender as ResourceType>::flatten(&described)["recommender_config"],
            list(vec![])
        );
        let mut cfg = Obj::new();
        cfg.insert("min_recommendation_requests_per_second".into(), number(5.0));
        cfg.insert("enable_metadata_with_recommendations".into(), boolean(true));
        let mut plan = Obj::new();
        plan.insert("recommender_config".into(), list(vec![obj(cfg)]));
        let api = expand_config(&plan).unwrap();
        assert_eq!(api.min_recommendation_requests_per_second(), Some(5));
        let back = <Recommender as ResourceType>::flatten(
            &aws_sdk_personalize::types::Recommender::builder()
                .recommender_config(api)
                .build(),
        );
        let block = get_block(&back, "recommender_config").unwrap();
        assert_eq!(block["min_recommendation_requests_per_second"], number(5.0));
        assert_eq!(block["enable_metadata_with_recommendations"], boolean(true));
    }

    #[test]
    fn removing_the_block_resets_what_it_set() {
        let api = expand_update_config(&Obj::new());
        assert_eq!(api.min_recommendation_requests_per_second(), Some(1));
        assert_eq!(api.enable_metadata_with_recommendations(), Some(false));
        assert!(api.training_data_config().is_some());
    }

    #[test]
    fn updates_in_place_except_identity() {
        for a in Recommender::attributes()
            .iter()
            .filter(|a| a.configurable())
        {
            assert_eq!(
                a.force_new,
                ["name", "dataset_group_arn", "recipe_arn"].contains(&a.name),
                "{}",
                a.name
            );
        }
    }
}

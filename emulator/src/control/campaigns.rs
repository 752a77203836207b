//! Campaigns: CreateCampaign and UpdateCampaign (an in-place update on the lifecycle clock),
//! with the `$LATEST` form of a solution version resolved here.

use serde_json::{json, Map, Value};

use super::records::{arn_response, copy, insert_pending, require_active, str_field, tags_of};
use crate::ctx::Ctx;
use crate::data::influence::RankingInfluence;
use crate::error::ApiError;
use crate::lifecycle::{self, Apply};
use crate::state::{now_value, Kind, Txn, View, Writes};
use crate::updates::InPlaceUpdate;
use crate::AppState;

/// Checks a `campaignConfig`: the exploration parameters and the ranking influence weights
/// (`RankingInfluence`, which every recipe accepts: AWS documents no recipe restriction).
fn check_config(config: Option<&Value>) -> Result<(), ApiError> {
    RankingInfluence::from_config(config).map_err(ApiError::invalid)?;
    check_exploration(config)
}

/// Checks the `itemExplorationConfig` of a campaign or recommender configuration:
/// explorationWeight in 0..=1, explorationItemAgeCutOff a positive number of days, nothing
/// else.
///
/// # Errors
/// InvalidInputException naming the parameter.
pub fn check_exploration(config: Option<&Value>) -> Result<(), ApiError> {
    let Some(e) = config.and_then(|c| c.get("itemExplorationConfig")) else {
        return Ok(());
    };
    for (key, value) in e.as_object().into_iter().flatten() {
        let n = value.as_str().and_then(|v| v.parse::<f64>().ok());
        let ok = match key.as_str() {
            "explorationWeight" => n.is_some_and(|n| (0.0..=1.0).contains(&n)),
            "explorationItemAgeCutOff" => n.is_some_and(|n| n > 0.0 && n.is_finite()),
            _ => {
                return Err(ApiError::invalid(format!(
                    "itemExplorationConfig has no parameter {key}"
                )))
            }
        };
        if !ok {
            return Err(ApiError::invalid(format!(
                "itemExplorationConfig.{key} {value} is out of range"
            )));
        }
    }
    Ok(())
}

fn active_version(inner: &impl View, arn: &str) -> Result<(), ApiError> {
    let v = inner.get(Kind::SolutionVersion, &resolve_version(inner, arn)?)?;
    require_active(v, "Solution version")
}

/// The suffix that names a solution's latest version: "If you specify True [for
/// syncWithLatestSolutionVersion], you must specify the ARN of your solution for the
/// SolutionVersionArn parameter. It must be in SolutionArn/$LATEST format."
/// (<https://docs.aws.amazon.com/personalize/latest/APIReference/API_CampaignConfig.html>)
pub const LATEST: &str = "/$LATEST";

/// The version a campaign's `solutionVersionArn` deploys: itself, or for `SOLUTION/$LATEST`
/// the solution's newest ACTIVE version (so a campaign that keeps the `$LATEST` form follows
/// each new version once it is ACTIVE).
///
/// # Errors
/// `ResourceNotFoundException` when the solution does not exist or has no ACTIVE version.
pub fn resolve_version(inner: &impl View, arn: &str) -> Result<String, ApiError> {
    let Some(solution) = arn.strip_suffix(LATEST) else {
        return Ok(arn.to_owned());
    };
    inner.get(Kind::Solution, solution)?;
    inner
        .children(Kind::SolutionVersion, Kind::Solution, solution)
        .filter(|v| v.status() == "ACTIVE")
        .max_by_key(|v| v.seq)
        .map(|v| v.arn().to_owned())
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "Solution {solution} has no ACTIVE solution version for {arn}"
            ))
        })
}

/// `syncWithLatestSolutionVersion` takes the `SOLUTION/$LATEST` form, as AWS requires (see
/// [`LATEST`]); without it the `$LATEST` form deploys the newest ACTIVE version once and stays
/// on it, so the concrete ARN is kept.
fn deployed_arn(inner: &impl View, arn: &str, config: Option<&Value>) -> Result<String, ApiError> {
    let sync = config
        .and_then(|c| c.get("syncWithLatestSolutionVersion"))
        .and_then(Value::as_bool)
        == Some(true);
    match (sync, arn.ends_with(LATEST)) {
        (true, false) => Err(ApiError::invalid(format!(
            "syncWithLatestSolutionVersion is true: solutionVersionArn must be the solution's \
             ARN in SolutionArn/$LATEST format, not {arn}"
        ))),
        (true, true) => {
            active_version(inner, arn)?;
            Ok(arn.to_owned())
        }
        (false, _) => {
            let concrete = resolve_version(inner, arn)?;
            active_version(inner, &concrete)?;
            Ok(concrete)
        }
    }
}

/// The campaign configuration as AWS stores it: on a User-Personalization campaign the
/// exploration keys left out take their documented defaults, explorationWeight 0.3 and
/// explorationItemAgeCutOff 30 days
/// (<https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html>),
/// and DescribeCampaign reports them.
fn with_defaults(inner: &impl View, version_arn: &str, config: Option<&Value>) -> Option<Value> {
    let recipe = resolve_version(inner, version_arn)
        .ok()
        .and_then(|v| inner.get(Kind::SolutionVersion, &v).ok())
        .and_then(|v| v.recipe_arn())
        .map(str::to_owned);
    let explores = recipe.is_some_and(|r| r.ends_with("recipe/aws-user-personalization"));
    if !explores {
        return config.cloned();
    }
    let mut config = config.cloned().unwrap_or_else(|| json!({}));
    fill_exploration_defaults(&mut config);
    Some(config)
}

/// Puts the documented exploration defaults (explorationWeight 0.3, explorationItemAgeCutOff
/// 30 days) into `config.itemExplorationConfig` where the caller left them out: the
/// User-Personalization recipe page for campaigns, and the Top picks for you and Recommended
/// for you use cases for recommenders ("The default is 0.3", "the default is 30 days").
pub fn fill_exploration_defaults(config: &mut Value) {
    let Some(config) = config.as_object_mut() else {
        return;
    };
    let exploration = config
        .entry("itemExplorationConfig")
        .or_insert_with(|| json!({}));
    if let Some(e) = exploration.as_object_mut() {
        for (key, default) in [
            ("explorationWeight", "0.3"),
            ("explorationItemAgeCutOff", "30"),
        ] {
            e.entry(key).or_insert_with(|| default.into());
        }
    }
}

/// CreateCampaign: deploys an ACTIVE solution version; the IN_PROGRESS stage loads its model.
pub async fn create_campaign(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let name = str_field(input, "name");
    let version_arn = str_field(input, "solutionVersionArn").to_owned();
    check_config(input.get("campaignConfig"))?;
    let tags = tags_of(input)?;
    let arn = ctx.arn(&format!("campaign/{name}"));
    let deployed = ctx.server.state.mutate(|inner, writes| {
        let deployed = deployed_arn(inner, &version_arn, input.get("campaignConfig"))?;
        let mut body = copy(input, &["name"]);
        body.insert("solutionVersionArn".into(), deployed.clone().into());
        if let Some(config) = with_defaults(inner, &deployed, input.get("campaignConfig")) {
            body.insert("campaignConfig".into(), config);
        }
        body.insert(
            "minProvisionedTPS".into(),
            input
                .get("minProvisionedTPS")
                .cloned()
                .unwrap_or_else(|| 1.into()),
        );
        insert_pending(inner, writes, Kind::Campaign, &arn, body, tags)?;
        Ok(deployed)
    })?;
    let work = load_model_work(&ctx.server, deployed);
    lifecycle::run_create(&ctx.server, &arn, Some(work)).await;
    Ok(arn_response(Kind::Campaign, &arn))
}

fn load_model_work(server: &AppState, version_arn: String) -> lifecycle::WorkFn {
    let server = server.clone();
    Box::new(move || {
        Box::pin(async move {
            let resolved =
                resolve_version(&*server.state.read(), &version_arn).map_err(|e| e.message)?;
            match server.state.deployable(&resolved) {
                Ok(()) => Ok(Box::new(|_: &mut Txn<'_>, _: &mut Writes| {}) as Apply),
                Err(reason) => Err(reason),
            }
        })
    })
}

/// UpdateCampaign: the update runs its own lifecycle in `latestCampaignUpdate`; the campaign
/// stays ACTIVE and serves its old version until the update is ACTIVE.
pub async fn update_campaign(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "campaignArn").to_owned();
    check_config(input.get("campaignConfig"))?;
    ctx.server.state.mutate(|inner, writes| {
        let campaign = inner.get(Kind::Campaign, &arn)?;
        // A campaign whose creation failed may be updated to recover it, as AWS allows:
        // "You can update a campaign if its status is ACTIVE or CREATE FAILED"
        // (<https://docs.aws.amazon.com/personalize/latest/dg/update-campaigns.html>).
        if campaign.status() != "CREATE FAILED" {
            require_active(campaign, "Campaign")?;
        }
        if let Some(status) = campaign
            .body
            .get("latestCampaignUpdate")
            .and_then(|u| u["status"].as_str())
        {
            if status.contains("PENDING") || status.contains("IN_PROGRESS") {
                return Err(ApiError::in_use(format!(
                    "Campaign {arn} has an update {status}"
                )));
            }
        }
        let mut update = Map::new();
        for key in ["solutionVersionArn", "minProvisionedTPS", "campaignConfig"] {
            if let Some(v) = input.get(key).or_else(|| campaign.body.get(key)) {
                update.insert(key.into(), v.clone());
            }
        }
        let version = update
            .get("solutionVersionArn")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let deployed = deployed_arn(inner, &version, update.get("campaignConfig"))?;
        update.insert("solutionVersionArn".into(), deployed.clone().into());
        if let Some(config) = with_defaults(inner, &deployed, update.get("campaignConfig")) {
            update.insert("campaignConfig".into(), config);
        }
        update.insert("status".into(), "CREATE PENDING".into());
        update.insert("creationDateTime".into(), now_value());
        update.insert("lastUpdatedDateTime".into(), now_value());
        let campaign = inner.records.get_mut(&arn).expect("checked above");
        campaign
            .body
            .insert("latestCampaignUpdate".into(), Value::Object(update));
        campaign.touch();
        writes.record(inner, &arn);
        Ok(())
    })?;
    let server = ctx.server.clone();
    lifecycle::drive(&server, CAMPAIGN_UPDATE.run(server.clone(), arn.clone())).await;
    Ok(json!({ "campaignArn": arn }))
}

/// UpdateCampaign's lifecycle: the old version serves until the update is ACTIVE; an update
/// whose version has no loadable model fails.
pub const CAMPAIGN_UPDATE: InPlaceUpdate = InPlaceUpdate {
    field: "latestCampaignUpdate",
    apply: |body, update| {
        for key in ["solutionVersionArn", "minProvisionedTPS", "campaignConfig"] {
            if let Some(v) = update.get(key) {
                body.insert(key.into(), v.clone());
            }
        }
        // An update of a campaign whose creation failed deploys it.
        if body.get("status").and_then(Value::as_str) == Some("CREATE FAILED") {
            body.insert("status".into(), "ACTIVE".into());
            body.remove("failureReason");
        }
    },
    ready: |server, update| match update["solutionVersionArn"].as_str() {
        Some(v) => {
            let resolved = resolve_version(&*server.state.read(), v).map_err(|e| e.message)?;
            server.state.deployable(&resolved)
        }
        None => Err("The update names no solution version".into()),
    },
    work: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_successful_update_deploys_a_campaign_whose_creation_failed() {
        let mut body = json!({
            "status": "CREATE FAILED",
            "failureReason": "The model cannot be loaded",
            "minProvisionedTPS": 1,
        })
        .as_object()
        .cloned()
        .unwrap();
        (CAMPAIGN_UPDATE.apply)(
            &mut body,
            &json!({"minProvisionedTPS": 2, "solutionVersionArn": "arn:v"}),
        );
        assert_eq!(body["status"], "ACTIVE");
        assert!(body.get("failureReason").is_none());
        assert_eq!(body["minProvisionedTPS"], 2);
        assert_eq!(body["solutionVersionArn"], "arn:v");
        // An ACTIVE campaign keeps its status.
        let mut active = json!({"status": "ACTIVE"}).as_object().cloned().unwrap();
        (CAMPAIGN_UPDATE.apply)(&mut active, &json!({"minProvisionedTPS": 3}));
        assert_eq!(active["status"], "ACTIVE");
    }
}

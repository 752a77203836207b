//! What AWS publishes rather than the account creates: recipes (ListRecipes, DescribeRecipe),
//! the algorithms behind them (DescribeAlgorithm) and their feature transformations
//! (DescribeFeatureTransformation). Custom recipes are the ones the recommender crate
//! implements; domain recipes are the use cases of [`super::domains`], listed with their
//! domain.

use personalize_recommender as rec;
use serde_json::{json, Map, Value};

use super::domains::{Domain, UseCase, USE_CASES};
use super::generic::paginate;
use super::records::str_field;
use super::solutions::config;
use crate::ctx::Ctx;
use crate::data::training;
use crate::error::ApiError;

/// When the published resources were "created" (a fixed date: they never change).
const PUBLISHED: f64 = 1_543_622_400.0;

/// `arn` moved into the partition of the caller's region (`arn:aws-cn:` in China).
fn in_partition(ctx: &Ctx, arn: &str) -> String {
    let partition = sdk_config::partition(&ctx.region);
    arn.replacen("arn:aws:", &format!("arn:{partition}:"), 1)
}

fn algorithm_arn(ctx: &Ctx, recipe: &str) -> String {
    in_partition(ctx, &format!("arn:aws:personalize:::algorithm/{recipe}"))
}

fn feature_transformation_arn(ctx: &Ctx, recipe: &str) -> String {
    in_partition(
        ctx,
        &format!("arn:aws:personalize:::feature-transformation/{recipe}"),
    )
}

/// A custom recipe as Describe/ListRecipes show it.
fn custom_body(ctx: &Ctx, r: &rec::RecipeInfo) -> Value {
    json!({
        "name": r.name,
        "recipeArn": in_partition(ctx, &training::recipe_arn(r.name)),
        "algorithmArn": algorithm_arn(ctx, r.name),
        "featureTransformationArn": feature_transformation_arn(ctx, r.name),
        "status": "ACTIVE",
        "description": r.description,
        "recipeType": r.recipe_type,
        "creationDateTime": PUBLISHED,
        "lastUpdatedDateTime": PUBLISHED,
    })
}

/// A domain recipe (use case): its ARN and domain, the algorithm of the custom recipe that
/// trains it here.
fn use_case_body(ctx: &Ctx, u: &UseCase) -> Value {
    let trained_by = rec::recipe(u.recipe).expect("use cases train with known recipes");
    json!({
        "name": u.name,
        "recipeArn": in_partition(ctx, &training::recipe_arn(u.name)),
        "algorithmArn": algorithm_arn(ctx, u.recipe),
        "featureTransformationArn": feature_transformation_arn(ctx, u.recipe),
        "status": "ACTIVE",
        "description": format!(
            "{} ({} use case); here trained with {}.",
            u.title,
            u.domain.as_str(),
            u.recipe
        ),
        "recipeType": trained_by.recipe_type,
        "domain": u.domain.as_str(),
        "creationDateTime": PUBLISHED,
        "lastUpdatedDateTime": PUBLISHED,
    })
}

/// ListRecipes: custom recipes and use cases; `domain` keeps that domain's use cases only
/// (API_ListRecipes: "Only recipes (Domain dataset group use cases) for this domain are
/// included in the response. If you don't specify a domain, all recipes are returned").
pub fn list_recipes(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let domain = input
        .get("domain")
        .and_then(Value::as_str)
        .map(|d| Domain::parse(d).ok_or_else(|| ApiError::invalid(format!("Unknown domain {d}"))))
        .transpose()?;
    let mut bodies: Vec<Value> = Vec::new();
    if domain.is_none() {
        bodies.extend(rec::recipes().iter().map(|r| custom_body(ctx, r)));
    }
    bodies.extend(
        USE_CASES
            .iter()
            .filter(|u| domain.is_none_or(|d| u.domain == d))
            .map(|u| use_case_body(ctx, u)),
    );
    // Recipes never change: their position (newest first) is their cursor.
    let count = bodies.len();
    let items: Vec<(u64, Value)> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let summary = crate::model::control().project("RecipeSummary", &body);
            ((count - i) as u64, summary)
        })
        .collect();
    let scope = domain.map_or("", Domain::as_str);
    paginate("ListRecipes", scope, input, items, "recipes")
}

/// DescribeRecipe: a custom recipe or a use case.
pub fn describe_recipe(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "recipeArn");
    if let Some(u) = super::domains::use_case_of(arn) {
        return Ok(json!({"recipe": use_case_body(ctx, u)}));
    }
    let recipe = training::recipe_name(arn)
        .and_then(rec::recipe)
        .ok_or_else(|| ApiError::not_found(arn))?;
    Ok(json!({"recipe": custom_body(ctx, recipe)}))
}

/// The recipe a published ARN of `segment` (`algorithm`, `feature-transformation`) names.
fn recipe_of<'a>(arn: &'a str, segment: &str) -> Option<&'a str> {
    let (partition, rest) = arn.strip_prefix("arn:")?.split_once(':')?;
    let name = rest
        .strip_prefix("personalize:::")?
        .strip_prefix(segment)?
        .strip_prefix('/')?;
    (partition.starts_with("aws") && rec::recipe(name).is_some()).then_some(name)
}

/// DescribeAlgorithm: the algorithm of a custom recipe, with the hyperparameters training uses
/// when a solution sets none (`defaultHyperParameters`) and the ranges HPO searches when a
/// solution gives none (`defaultHyperParameterRanges`, each tunable).
pub fn describe_algorithm(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "algorithmArn");
    let name = recipe_of(arn, "algorithm").ok_or_else(|| ApiError::not_found(arn))?;
    let mut integer = Vec::new();
    let mut continuous = Vec::new();
    let mut categorical = Vec::new();
    for r in rec::search::default_ranges(name) {
        match r.range {
            rec::search::Range::Integer { min, max } => integer
                .push(json!({"name": r.name, "minValue": min, "maxValue": max, "isTunable": true})),
            rec::search::Range::Continuous { min, max } => continuous
                .push(json!({"name": r.name, "minValue": min, "maxValue": max, "isTunable": true})),
            rec::search::Range::Categorical(values) => {
                categorical.push(json!({"name": r.name, "values": values, "isTunable": true}))
            }
        }
    }
    Ok(json!({"algorithm": {
        "name": name,
        "algorithmArn": algorithm_arn(ctx, name),
        "algorithmImage": {"name": name},
        "defaultHyperParameters": rec::default_hyperparameters(name),
        "defaultHyperParameterRanges": {
            "integerHyperParameterRanges": integer,
            "continuousHyperParameterRanges": continuous,
            "categoricalHyperParameterRanges": categorical,
        },
        "defaultResourceConfig": {},
        "trainingInputMode": "File",
        "creationDateTime": PUBLISHED,
        "lastUpdatedDateTime": PUBLISHED,
    }}))
}

/// DescribeFeatureTransformation: the feature transformation of a custom recipe, with the
/// `featureTransformationParameters` it takes and their defaults (aws-trending-now's
/// `trend_discovery_frequency`, "2 hours" by default; the others take none).
pub fn describe_feature_transformation(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let arn = str_field(input, "featureTransformationArn");
    let name = recipe_of(arn, "feature-transformation").ok_or_else(|| ApiError::not_found(arn))?;
    let defaults: Map<String, Value> = match name {
        "aws-trending-now" => [(
            config::TREND_DISCOVERY_FREQUENCY.to_owned(),
            Value::from(config::default_trend_frequency()),
        )]
        .into_iter()
        .collect(),
        _ => Map::new(),
    };
    Ok(json!({"featureTransformation": {
        "name": name,
        "featureTransformationArn": feature_transformation_arn(ctx, name),
        "defaultParameters": defaults,
        "status": "ACTIVE",
        "creationDateTime": PUBLISHED,
        "lastUpdatedDateTime": PUBLISHED,
    }}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_arns_name_known_recipes() {
        assert_eq!(
            recipe_of("arn:aws:personalize:::algorithm/aws-sims", "algorithm"),
            Some("aws-sims")
        );
        assert_eq!(
            recipe_of("arn:aws-cn:personalize:::algorithm/aws-sims", "algorithm"),
            Some("aws-sims")
        );
        assert_eq!(
            recipe_of(
                "arn:aws:personalize:::algorithm/aws-sims",
                "feature-transformation"
            ),
            None
        );
        assert_eq!(
            recipe_of("arn:aws:personalize:::algorithm/aws-nope", "algorithm"),
            None
        );
        assert_eq!(
            recipe_of("arn:aws:personalize:::algorithm/", "algorithm"),
            None
        );
        assert_eq!(
            recipe_of("arn:x:personalize:::algorithm/aws-sims", "algorithm"),
            None
        );
    }
}

//! What recommend calls: the narrow [`Recommender`] trait (one GetRecommendations call) and
//! its Personalize implementation.

use std::collections::HashMap;

use async_trait::async_trait;
use lambda_common::Upstream;
use serde::Serialize;

/// One GetRecommendations request, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecommendationRequest {
    /// The configured campaign, or `None` when a recommender serves.
    pub campaign_arn: Option<String>,
    /// The configured recommender of the route's use case, or `None` when the campaign serves.
    pub recommender_arn: Option<String>,
    /// The user.
    pub user_id: String,
    /// How many items, 1..500.
    pub num_results: i32,
    /// Item to recommend around (related-items recipes).
    pub item_id: Option<String>,
    /// Filter ARN, from the configured name.
    pub filter_arn: Option<String>,
    /// Filter placeholder values.
    pub filter_values: HashMap<String, String>,
    /// Contextual metadata.
    pub context: HashMap<String, String>,
}

/// One recommended item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The item.
    pub item_id: String,
    /// Its score, when the recipe gives one (recommenders give none: "Amazon Personalize
    /// doesn't show scores for domain recommenders", API_GetRecommendations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// The answer, in the REST API's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendations {
    /// Id of this set of recommendations (for events' `recommendationId`).
    pub recommendation_id: String,
    /// Ranked items.
    pub item_list: Vec<Item>,
}

/// Gets recommendations.
#[async_trait]
pub trait Recommender: Send + Sync {
    /// One GetRecommendations call.
    async fn recommend(&self, request: &RecommendationRequest)
        -> Result<Recommendations, Upstream>;
}

/// The Personalize runtime API.
#[derive(Debug, Clone)]
pub struct PersonalizeRecommender {
    client: aws_sdk_personalizeruntime::Client,
}

impl PersonalizeRecommender {
    /// A recommender on `client`.
    pub fn new(client: aws_sdk_personalizeruntime::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Recommender for PersonalizeRecommender {
    async fn recommend(&self, r: &RecommendationRequest) -> Result<Recommendations, Upstream> {
        let output = self
            .client
            .get_recommendations()
            .set_campaign_arn(r.campaign_arn.clone())
            .set_recommender_arn(r.recommender_arn.clone())
            .user_id(&r.user_id)
            .num_results(r.num_results)
            .set_item_id(r.item_id.clone())
            .set_filter_arn(r.filter_arn.clone())
            .set_filter_values((!r.filter_values.is_empty()).then(|| r.filter_values.clone()))
            .set_context((!r.context.is_empty()).then(|| r.context.clone()))
            .send()
            .await
            .map_err(|e| Upstream::classify("Personalize", &e))?;
        Ok(Recommendations {
            recommendation_id: output.recommendation_id().unwrap_or_default().to_owned(),
            item_list: output
                .item_list()
                .iter()
                .map(|i| Item {
                    item_id: i.item_id().unwrap_or_default().to_owned(),
                    score: i.score(),
                })
                .collect(),
        })
    }
}

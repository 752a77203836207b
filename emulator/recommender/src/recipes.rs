//! The recipes this crate implements. ListRecipes and DescribeRecipe show exactly these; any
//! other recipe ARN is refused by the emulator.

/// A recipe the emulator implements.
#[derive(Debug)]
pub struct RecipeInfo {
    /// Last segment of the ARN: "aws-user-personalization", "aws-sims", ...
    pub name: &'static str,
    /// "USER_PERSONALIZATION" | "RELATED_ITEMS" | "PERSONALIZED_RANKING" | "POPULAR_ITEMS" |
    /// "PERSONALIZED_ACTIONS" | "USER_SEGMENTATION".
    pub recipe_type: &'static str,
    /// What DescribeRecipe says about it.
    pub description: &'static str,
}

/// A recipe family: the kind of model a recipe trains, one per scoring behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum RecipeFamily {
    /// Next items for a user from their sequence (plus exploration of cold items).
    UserPersonalization,
    /// Items related to an item.
    RelatedItems,
    /// Reorders a caller's list for a user.
    PersonalizedRanking,
    /// Most interacted-with items.
    PopularityCount,
    /// Items whose interactions grow fastest lately.
    TrendingNow,
    /// Users with the most affinity for an item or for items with given attributes (batch
    /// segment jobs only). Appended last: models stored before still decode.
    UserSegmentation,
}

pub(crate) const USER_PERSONALIZATION: &str = "USER_PERSONALIZATION";
pub(crate) const RELATED_ITEMS: &str = "RELATED_ITEMS";
pub(crate) const PERSONALIZED_RANKING: &str = "PERSONALIZED_RANKING";
pub(crate) const POPULAR_ITEMS: &str = "POPULAR_ITEMS";
pub(crate) const PERSONALIZED_ACTIONS: &str = "PERSONALIZED_ACTIONS";
pub(crate) const USER_SEGMENTATION: &str = "USER_SEGMENTATION";

static RECIPES: &[RecipeInfo] = &[
    RecipeInfo {
        name: "aws-user-personalization",
        recipe_type: USER_PERSONALIZATION,
        description: "Predicts the items a user will interact with next from the order, \
                      recency and event types of their interactions and from similar users, \
                      explores new items, and reacts to events received after training.",
    },
    RecipeInfo {
        name: "aws-user-personalization-v2",
        recipe_type: USER_PERSONALIZATION,
        description: "User-Personalization, version 2: here the same model as \
                      aws-user-personalization.",
    },
    RecipeInfo {
        name: "aws-sims",
        recipe_type: RELATED_ITEMS,
        description: "Items similar to a given item, from items that the same users \
                      interact with close together.",
    },
    RecipeInfo {
        name: "aws-personalized-ranking",
        recipe_type: PERSONALIZED_RANKING,
        description: "Ranks a list of items for a user by how likely the user is to \
                      interact with each.",
    },
    RecipeInfo {
        name: "aws-personalized-ranking-v2",
        recipe_type: PERSONALIZED_RANKING,
        description: "Personalized-Ranking, version 2: here the same model as \
                      aws-personalized-ranking.",
    },
    RecipeInfo {
        name: "aws-popularity-count",
        recipe_type: POPULAR_ITEMS,
        description: "The items with the most interactions (of the solution's event type).",
    },
    RecipeInfo {
        name: "aws-trending-now",
        recipe_type: POPULAR_ITEMS,
        description: "The items whose interactions grew the most in the latest period \
                      before training, compared with the period before it.",
    },
    RecipeInfo {
        name: "aws-next-best-action",
        recipe_type: PERSONALIZED_ACTIONS,
        description: "The actions a user is most likely to take next, with a propensity \
                      score from 0 to 1, learned from action interactions (TAKEN, NOT_TAKEN, \
                      VIEWED); expired actions and actions within their repeat frequency are \
                      left out. Served by GetActionRecommendations.",
    },
    RecipeInfo {
        name: "aws-item-affinity",
        recipe_type: USER_SEGMENTATION,
        description: "User segments for items: the users most likely to interact with each \
                      item of a batch segment job's input, ranked by the affinity the \
                      User-Personalization model learns from their interactions.",
    },
    RecipeInfo {
        name: "aws-item-attribute-affinity",
        recipe_type: USER_SEGMENTATION,
        description: "User segments for item attributes: the users most likely to interact \
                      with items that have all the attributes of a batch segment job's query \
                      (needs an Items dataset with metadata).",
    },
];

/// Every recipe implemented, in ListRecipes order.
pub fn recipes() -> &'static [RecipeInfo] {
    RECIPES
}

/// The recipe named `name` (the last segment of its ARN), if implemented.
pub fn recipe(name: &str) -> Option<&'static RecipeInfo> {
    RECIPES.iter().find(|r| r.name == name)
}

/// The recipe family (the kind of model) a recipe trains.
pub(crate) fn family(name: &str) -> Option<RecipeFamily> {
    Some(match name {
        "aws-user-personalization" | "aws-user-personalization-v2" => {
            RecipeFamily::UserPersonalization
        }
        "aws-sims" => RecipeFamily::RelatedItems,
        "aws-personalized-ranking" | "aws-personalized-ranking-v2" => {
            RecipeFamily::PersonalizedRanking
        }
        "aws-popularity-count" => RecipeFamily::PopularityCount,
        "aws-trending-now" => RecipeFamily::TrendingNow,
        "aws-item-affinity" | "aws-item-attribute-affinity" => RecipeFamily::UserSegmentation,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_recipe_has_a_kind_and_a_known_type() {
        for r in recipes() {
            // Action recipes train an `actions::ActionModel`, not an item model.
            assert_eq!(
                family(r.name).is_some(),
                r.recipe_type != PERSONALIZED_ACTIONS,
                "{}",
                r.name
            );
            assert!([
                USER_PERSONALIZATION,
                RELATED_ITEMS,
                PERSONALIZED_RANKING,
                POPULAR_ITEMS,
                PERSONALIZED_ACTIONS,
                USER_SEGMENTATION
            ]
            .contains(&r.recipe_type));
            assert_eq!(recipe(r.name).map(|x| x.name), Some(r.name));
        }
    }

    #[test]
    fn unknown_recipes_are_absent() {
        assert!(recipe("aws-hrnn").is_none());
        assert!(recipe("").is_none());
        assert!(recipe("AWS-SIMS").is_none());
        assert!(family("aws-next-best-action").is_none());
    }
}

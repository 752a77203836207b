//! Domain dataset groups: the VIDEO_ON_DEMAND and ECOMMERCE domains, the fields their schemas
//! must have, and the use cases (domain recipes) a recommender serves, each trained by one of
//! the recommender's custom recipes on the events the use case names.
//!
//! Sources: developer guide, "VIDEO_ON_DEMAND use cases" and "ECOMMERCE use cases" (recipe
//! ARNs, GetRecommendations requirements, datasets and event types of each use case, the
//! automatic filtering of what the user watched or purchased), "VIDEO_ON_DEMAND datasets and
//! schemas" and "ECOMMERCE datasets and schemas" (required fields per dataset type).

use crate::data::avro::{DatasetType, FieldType, Schema};

/// A domain of a domain dataset group (API_CreateDatasetGroup, `domain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// `VIDEO_ON_DEMAND`
    VideoOnDemand,
    /// `ECOMMERCE`
    Ecommerce,
}

impl Domain {
    /// The domain named `s` (the model's enum already limits it to these two).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "VIDEO_ON_DEMAND" => Some(Self::VideoOnDemand),
            "ECOMMERCE" => Some(Self::Ecommerce),
            _ => None,
        }
    }

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VideoOnDemand => "VIDEO_ON_DEMAND",
            Self::Ecommerce => "ECOMMERCE",
        }
    }

    /// The fields a schema of this domain needs for a dataset of type `ty`, beyond the ones
    /// every schema of the type needs: the "Required fields" column of the domain's datasets
    /// and schemas page. `categorical` fields must be categorical strings.
    fn required(self, ty: DatasetType) -> &'static [Required] {
        const INTERACTIONS: &[Required] = &[Required::new("EVENT_TYPE", FieldType::String)];
        const VOD_ITEMS: &[Required] = &[
            Required::categorical("GENRES"),
            Required::new("CREATION_TIMESTAMP", FieldType::Long),
        ];
        const ECOMMERCE_ITEMS: &[Required] = &[
            Required::new("PRICE", FieldType::Float),
            Required::categorical("CATEGORY_L1"),
        ];
        match (self, ty) {
            (_, DatasetType::Interactions) => INTERACTIONS,
            (Self::VideoOnDemand, DatasetType::Items) => VOD_ITEMS,
            (Self::Ecommerce, DatasetType::Items) => ECOMMERCE_ITEMS,
            (_, DatasetType::Users | DatasetType::Actions | DatasetType::ActionInteractions) => &[],
        }
    }

    /// Checks that `schema` has the fields this domain requires for a dataset of type `ty`
    /// (Users: USER_ID and at least one metadata field, categorical or numeric).
    ///
    /// # Errors
    /// The first missing or mistyped field.
    pub fn check_schema(self, schema: &Schema, ty: DatasetType) -> Result<(), String> {
        for req in self.required(ty) {
            let field = schema.field(req.name).ok_or_else(|| {
                format!(
                    "a {} {ty:?} schema requires the field {}",
                    self.as_str(),
                    req.name
                )
            })?;
            let type_ok = field.ty == req.ty
                || (req.ty == FieldType::Long && field.ty == FieldType::Int)
                || (req.ty == FieldType::Float && field.ty == FieldType::Double);
            if !type_ok || (req.categorical && !field.categorical) {
                return Err(format!(
                    "field {} of a {} {ty:?} schema must be a {}{}",
                    req.name,
                    self.as_str(),
                    if req.categorical { "categorical " } else { "" },
                    req.ty.name()
                ));
            }
        }
        if ty == DatasetType::Users
            && !schema.fields.iter().any(|f| {
                !f.name.eq_ignore_ascii_case("USER_ID")
                    && (f.categorical || f.ty != FieldType::String)
            })
        {
            return Err(format!(
                "a {} Users schema requires at least one metadata field besides USER_ID \
                 (categorical string or numeric)",
                self.as_str()
            ));
        }
        Ok(())
    }
}

/// A field a domain requires.
#[derive(Debug)]
struct Required {
    name: &'static str,
    ty: FieldType,
    categorical: bool,
}

impl Required {
    const fn new(name: &'static str, ty: FieldType) -> Self {
        Self {
            name,
            ty,
            categorical: false,
        }
    }

    const fn categorical(name: &'static str) -> Self {
        Self {
            name,
            ty: FieldType::String,
            categorical: true,
        }
    }
}

/// Whether GetRecommendations needs a `userId` or an `itemId` for a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// "Required"
    Required,
    /// "Not used" (accepted and ignored), or "Required only if you filter by CurrentUser".
    Optional,
}

/// One use case: a domain recipe ARN a recommender is created with.
#[derive(Debug)]
pub struct UseCase {
    /// Last segment of the recipe ARN (`aws-vod-top-picks`).
    pub name: &'static str,
    /// What the use case page calls it.
    pub title: &'static str,
    /// Its domain.
    pub domain: Domain,
    /// The custom recipe of the recommender crate that trains its model.
    pub recipe: &'static str,
    /// The only event type training uses ("Required event types"), if the page names one.
    pub event_type: Option<&'static str>,
    /// Items the user interacted with through this event type are left out of the answer
    /// ("automatically filters videos the user watched based on ... Watch events").
    pub exclude_event_type: Option<&'static str>,
    /// `userId` in GetRecommendations.
    pub user: Need,
    /// `itemId` in GetRecommendations.
    pub item: Need,
    /// Whether training needs an Items dataset ("Items (required)").
    pub needs_items: bool,
    /// Whether the use case explores (the two "uses exploration" use cases), so
    /// `itemExplorationConfig` applies.
    pub explores: bool,
}

const fn use_case(
    name: &'static str,
    title: &'static str,
    domain: Domain,
    recipe: &'static str,
    event_type: Option<&'static str>,
    exclude_event_type: Option<&'static str>,
    (user, item): (Need, Need),
) -> UseCase {
    UseCase {
        name,
        title,
        domain,
        recipe,
        event_type,
        exclude_event_type,
        user,
        item,
        needs_items: false,
        explores: false,
    }
}

const USER: (Need, Need) = (Need::Required, Need::Optional);
const ITEM: (Need, Need) = (Need::Optional, Need::Required);
const BOTH: (Need, Need) = (Need::Required, Need::Required);
const NEITHER: (Need, Need) = (Need::Optional, Need::Optional);

/// The ten use cases AWS documents, five per domain.
pub static USE_CASES: [UseCase; 10] = [
    use_case(
        "aws-vod-because-you-watched-x",
        "Because you watched X",
        Domain::VideoOnDemand,
        "aws-sims",
        Some("Watch"),
        Some("Watch"),
        BOTH,
    ),
    UseCase {
        needs_items: true,
        ..use_case(
            "aws-vod-more-like-x",
            "More like X",
            Domain::VideoOnDemand,
            "aws-sims",
            None,
            Some("Watch"),
            BOTH,
        )
    },
    use_case(
        "aws-vod-most-popular",
        "Most popular",
        Domain::VideoOnDemand,
        "aws-popularity-count",
        Some("Watch"),
        None,
        USER,
    ),
    use_case(
        "aws-vod-trending-now",
        "Trending now",
        Domain::VideoOnDemand,
        "aws-trending-now",
        None,
        None,
        NEITHER,
    ),
    UseCase {
        explores: true,
        ..use_case(
            "aws-vod-top-picks",
            "Top picks for you",
            Domain::VideoOnDemand,
            "aws-user-personalization",
            None,
            Some("Watch"),
            USER,
        )
    },
    use_case(
        "aws-ecomm-popular-items-by-views",
        "Most viewed",
        Domain::Ecommerce,
        "aws-popularity-count",
        Some("View"),
        None,
        USER,
    ),
    use_case(
        "aws-ecomm-popular-items-by-purchases",
        "Best sellers",
        Domain::Ecommerce,
        "aws-popularity-count",
        Some("Purchase"),
        None,
        USER,
    ),
    use_case(
        "aws-ecomm-frequently-bought-together",
        "Frequently bought together",
        Domain::Ecommerce,
        "aws-sims",
        Some("Purchase"),
        None,
        ITEM,
    ),
    use_case(
        "aws-ecomm-customers-who-viewed-x-also-viewed",
        "Customers who viewed X also viewed",
        Domain::Ecommerce,
        "aws-sims",
        Some("View"),
        Some("Purchase"),
        BOTH,
    ),
    UseCase {
        explores: true,
        ..use_case(
            "aws-ecomm-recommended-for-you",
            "Recommended for you",
            Domain::Ecommerce,
            "aws-user-personalization",
            None,
            Some("Purchase"),
            USER,
        )
    },
];

/// The use case a recipe ARN names (`arn:aws:personalize:::recipe/aws-vod-top-picks`).
pub fn use_case_of(recipe_arn: &str) -> Option<&'static UseCase> {
    let (partition, rest) = recipe_arn.strip_prefix("arn:")?.split_once(':')?;
    let name = rest
        .strip_prefix("personalize:::recipe/")
        .filter(|_| partition.starts_with("aws"))?;
    USE_CASES.iter().find(|u| u.name == name)
}

/// How many of a user's interactions of one event type the automatic filter considers:
/// "Amazon Personalize considers at most 100 item interactions per user per event type".
pub const FILTER_INTERACTIONS_PER_TYPE: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::avro;

    fn schema(fields: &str) -> Schema {
        avro::parse(&format!(
            r#"{{"type":"record","name":"X","namespace":"com.amazonaws.personalize.schema","fields":[{fields}],"version":"1.0"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn each_domain_has_five_use_cases_with_distinct_names() {
        for domain in [Domain::VideoOnDemand, Domain::Ecommerce] {
            assert_eq!(USE_CASES.iter().filter(|u| u.domain == domain).count(), 5);
        }
        let names: std::collections::BTreeSet<_> = USE_CASES.iter().map(|u| u.name).collect();
        assert_eq!(names.len(), USE_CASES.len());
        for u in &USE_CASES {
            assert!(
                personalize_recommender::recipe(u.recipe).is_some(),
                "{} trains with {}",
                u.name,
                u.recipe
            );
        }
    }

    #[test]
    fn recipe_arns_name_use_cases() {
        let u = use_case_of("arn:aws:personalize:::recipe/aws-vod-top-picks").unwrap();
        assert_eq!(u.title, "Top picks for you");
        assert!(use_case_of("arn:aws:personalize:::recipe/aws-user-personalization").is_none());
        assert!(use_case_of("arn:aws:personalize:::recipe/aws-vod-top-picks-x").is_none());
        assert!(use_case_of("aws-vod-top-picks").is_none());
        assert!(use_case_of("arn:other:personalize:::recipe/aws-vod-top-picks").is_none());
    }

    #[test]
    fn domain_schemas_need_their_fields() {
        let vod = Domain::VideoOnDemand;
        let items = schema(
            r#"{"name":"ITEM_ID","type":"string"},{"name":"GENRES","type":"string","categorical":true},{"name":"CREATION_TIMESTAMP","type":"long"}"#,
        );
        vod.check_schema(&items, DatasetType::Items).unwrap();
        let err = Domain::Ecommerce
            .check_schema(&items, DatasetType::Items)
            .unwrap_err();
        assert!(err.contains("PRICE"), "{err}");
        let not_categorical = schema(
            r#"{"name":"ITEM_ID","type":"string"},{"name":"GENRES","type":"string"},{"name":"CREATION_TIMESTAMP","type":"long"}"#,
        );
        let err = vod
            .check_schema(&not_categorical, DatasetType::Items)
            .unwrap_err();
        assert!(err.contains("categorical string"), "{err}");
        let no_event_type = schema(
            r#"{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"}"#,
        );
        let err = vod
            .check_schema(&no_event_type, DatasetType::Interactions)
            .unwrap_err();
        assert!(err.contains("EVENT_TYPE"), "{err}");
        let bare_users = schema(r#"{"name":"USER_ID","type":"string"}"#);
        let err = vod
            .check_schema(&bare_users, DatasetType::Users)
            .unwrap_err();
        assert!(err.contains("metadata field"), "{err}");
        let users = schema(
            r#"{"name":"USER_ID","type":"string"},{"name":"SUBSCRIPTION_MODEL","type":"string","categorical":true}"#,
        );
        vod.check_schema(&users, DatasetType::Users).unwrap();
    }
}

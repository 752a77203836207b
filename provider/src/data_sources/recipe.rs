//! `data "personalize_recipe"`: a recipe by name (e.g. `aws-user-personalization`) for a
//! solution's `recipe_arn`.

use async_trait::async_trait;

use super::generic::DataKind;
use crate::framework::error::AwsError;
use crate::framework::schema::{Attr, Ty};
use crate::framework::value::{opt_string, Dyn, DynExt, Obj};
use crate::provider::Clients;
use crate::resources::common::{not_found_is_none, times};

/// The data source type.
#[derive(Debug)]
pub struct Recipe;

fn recipe_name(v: &Dyn) -> Result<(), String> {
    let s = v.str().ok_or("expected a string")?;
    if s.is_empty()
        || s.len() > 63
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "{s:?} is not a recipe name (e.g. \"aws-user-personalization\")"
        ));
    }
    Ok(())
}

#[async_trait]
impl DataKind for Recipe {
    const DISPLAY: &'static str = "Recipe";
    const KEY: &'static str = "name";

    fn description() -> &'static str {
        "Looks up an Amazon Personalize recipe by name."
    }

    fn attributes() -> Vec<Attr> {
        vec![
            Attr::required(
                "name",
                Ty::String,
                "Recipe name, e.g. `aws-user-personalization`.",
            )
            .check(recipe_name),
            Attr::computed("arn", Ty::String, "ARN of the recipe."),
            Attr::computed(
                "recipe_type",
                Ty::String,
                "`USER_PERSONALIZATION`, `PERSONALIZED_RANKING`, `RELATED_ITEMS`, ...",
            ),
            Attr::computed("description", Ty::String, "What the recipe does."),
            Attr::computed("algorithm_arn", Ty::String, "ARN of the algorithm."),
            Attr::computed(
                "feature_transformation_arn",
                Ty::String,
                "ARN of the feature transformation.",
            ),
            Attr::computed("status", Ty::String, "Status of the recipe."),
            Attr::computed(
                "creation_date_time",
                Ty::String,
                "When the recipe was created (RFC 3339).",
            ),
            Attr::computed(
                "last_updated_date_time",
                Ty::String,
                "When the recipe was last updated (RFC 3339).",
            ),
        ]
    }

    async fn find(c: &Clients, name: &str) -> Result<Option<Obj>, AwsError> {
        let arn = format!("arn:{}:personalize:::recipe/{name}", c.partition);
        let out = not_found_is_none(
            c.personalize
                .describe_recipe()
                .recipe_arn(&arn)
                .send()
                .await
                .map_err(AwsError::from),
        )?;
        Ok(out.and_then(|o| o.recipe).map(|r| {
            let mut o = Obj::new();
            o.insert(
                "arn".into(),
                opt_string(r.recipe_arn().or(Some(arn.as_str()))),
            );
            o.insert("recipe_type".into(), opt_string(r.recipe_type()));
            o.insert("description".into(), opt_string(r.description()));
            o.insert("algorithm_arn".into(), opt_string(r.algorithm_arn()));
            o.insert(
                "feature_transformation_arn".into(),
                opt_string(r.feature_transformation_arn()),
            );
            o.insert("status".into(), opt_string(r.status()));
            times(&mut o, r.creation_date_time(), r.last_updated_date_time());
            o
        }))
    }
}

//! `personalize_schema`: an Avro schema for datasets. Schemas are immutable in Personalize, so
//! every argument forces replacement; the schema text is compared as JSON, so formatting in the
//! configuration never differs from what Personalize returns.

use async_trait::async_trait;
use aws_sdk_personalize::types::Domain;

use super::common::{described, get_str, times};
use super::dataset_group::DOMAINS;
use crate::avro;
use crate::framework::error::AwsError;
use crate::framework::resource::ResourceType;
use crate::framework::schema::{common_computed, Attr, Ty};
use crate::framework::timeouts::{minutes, Timeouts};
use crate::framework::validate;
use crate::framework::value::{opt_string, string, Dyn, DynExt, Obj};
use crate::provider::Clients;

/// The resource type.
#[derive(Debug)]
pub struct Schema;

fn avro_check(v: &Dyn) -> Result<(), String> {
    avro::check(v.str().ok_or("expected a string")?)
}

#[async_trait]
impl ResourceType for Schema {
    const DISPLAY: &'static str = "Schema";
    const ARN_FORM: &'static str = "schema/NAME";
    const TIMEOUTS: Timeouts = Timeouts::all(minutes(5));
    const UPDATES: bool = false;

    fn description() -> &'static str {
        "An Amazon Personalize schema: the Avro record layout of a dataset."
    }

    fn attributes() -> Vec<Attr> {
        let mut attrs = vec![
            Attr::required("name", Ty::String, "Name of the schema.")
                .force_new()
                .check(validate::name),
            Attr::required(
                "schema",
                Ty::String,
                "The Avro schema as a JSON string (e.g. `jsonencode({...})`); compared as JSON, so formatting is never a diff.",
            )
            .force_new()
            .check(avro_check),
            Attr::optional("domain", Ty::String, "Domain of a schema for a Domain dataset group: `ECOMMERCE` or `VIDEO_ON_DEMAND`.")
                .force_new()
                .check(|v| validate::one_of(v, DOMAINS)),
        ];
        attrs.extend(common_computed("schema"));
        attrs
    }

    fn create_target() -> Option<crate::framework::wait::Target<'static>> {
        None
    }

    async fn create(c: &Clients, plan: &Obj) -> Result<String, AwsError> {
        let out = c
            .personalize
            .create_schema()
            .set_name(get_str(plan, "name"))
            .set_schema(get_str(plan, "schema"))
            .set_domain(get_str(plan, "domain").map(|d| Domain::from(d.as_str())))
            .send()
            .await?;
        out.schema_arn
            .ok_or_else(|| AwsError::local("CreateSchema returned no ARN"))
    }

    type Remote = aws_sdk_personalize::types::DatasetSchema;

    async fn find(c: &Clients, arn: &str) -> Result<Option<Self::Remote>, AwsError> {
        find_schema_by_arn(c, arn).await
    }

    /// The schema's attribute values.
    fn flatten(d: &Self::Remote) -> Obj {
        let mut o = Obj::new();
        o.insert("name".into(), opt_string(d.name()));
        o.insert("schema".into(), opt_string(d.schema()));
        o.insert("domain".into(), opt_string(d.domain().map(Domain::as_str)));
        if let Some(arn) = d.schema_arn() {
            o.insert("arn".into(), string(arn));
        }
        times(&mut o, d.creation_date_time(), d.last_updated_date_time());
        o
    }

    async fn delete(c: &Clients, arn: &str, _state: &Obj) -> Result<(), AwsError> {
        c.personalize.delete_schema().schema_arn(arn).send().await?;
        Ok(())
    }

    fn equivalent(name: &str, state: &Dyn, remote: &Dyn) -> bool {
        match (name, state.str(), remote.str()) {
            ("schema", Some(a), Some(b)) => avro::equivalent(a, b),
            _ => false,
        }
    }
}

/// The schema as DescribeSchema returns it, `None` when it does not exist.
///
/// # Errors
/// When DescribeSchema fails otherwise.
pub async fn find_schema_by_arn(
    c: &Clients,
    arn: &str,
) -> Result<Option<aws_sdk_personalize::types::DatasetSchema>, AwsError> {
    described(
        c.personalize.describe_schema().schema_arn(arn).send(),
        |o| o.schema,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_text_is_compared_as_json() {
        let a = string(r#"{"type":"record","name":"X","fields":[{"name":"A","type":"int"}]}"#);
        let b = string("{\n  \"name\": \"X\", \"type\": \"record\",\n  \"fields\": [{\"type\": \"int\", \"name\": \"A\"}]\n}");
        assert!(Schema::equivalent("schema", &a, &b));
        assert!(!Schema::equivalent("name", &a, &b));
        assert!(avro_check(&a).is_ok());
        assert!(avro_check(&string("{}")).is_err());
    }
}

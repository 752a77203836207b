//! The stack's configuration: the `local_stack` output of `examples/local`, read from
//! `terraform output -json`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// Settings of the local stand-ins for what `hashicorp/aws` creates on AWS, and the
/// Personalize resources Terraform created in the emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackConfig {
    /// Region of every client and ARN.
    pub region: String,
    /// Account id in the ARNs.
    pub account_id: String,
    /// Prefix of the local resource names (function names, the Firehose name).
    pub name_prefix: String,
    /// personalize-local's URL.
    pub personalize_endpoint: String,
    /// moto's URL (Kinesis, S3, SQS).
    pub aws_endpoint: String,
    /// The campaign recommend serves; `None` (null) for a domain dataset group served by its
    /// recommenders.
    #[serde(default)]
    pub campaign_arn: Option<String>,
    /// Recommenders by use case (`top-picks`, `more-like-x`...), as the personalize module's
    /// `recommender_arns` output; empty without a domain.
    #[serde(default)]
    pub recommender_arns: BTreeMap<String, String>,
    /// The event tracker's tracking id for ingest.
    pub tracking_id: String,
    /// Filters by name.
    #[serde(default)]
    pub filter_arns: BTreeMap<String, String>,
    /// The Kinesis stream collect writes to.
    pub stream_name: String,
    /// The bucket holding the data and the archive.
    pub bucket_name: String,
    /// Archive prefix, Firehose syntax.
    pub archive_prefix: String,
    /// The dead-letter queue's name.
    pub dlq_name: String,
    /// Whether the walkthrough's routes (`GET /getRecommendations`, `POST /data`) are served,
    /// as the pipeline module's `enable_seed_routes` (default here: on, as the demo needs them).
    #[serde(default = "seed_routes_default")]
    pub enable_seed_routes: bool,
    /// The origin browsers may call the API from (`*` or `scheme://host[:port]`), as the
    /// pipeline module's `cors_allow_origin`; `None` (the default): no CORS.
    #[serde(default)]
    pub cors_allow_origin: Option<String>,
}

fn seed_routes_default() -> bool {
    true
}

impl StackConfig {
    /// Reads the configuration from the text of `terraform output -json`.
    ///
    /// # Errors
    /// When the text is not JSON, has no `local_stack` output, or the output lacks a field or
    /// has one of the wrong type; the message names it.
    pub fn from_outputs_json(text: &str) -> anyhow::Result<Self> {
        let outputs: serde_json::Value =
            serde_json::from_str(text).context("terraform outputs are not JSON")?;
        let Some(value) = outputs.get("local_stack").and_then(|o| o.get("value")) else {
            bail!(
                "the Terraform outputs have no `local_stack` value; is this the state of \
                 examples/local, applied?"
            );
        };
        let config: Self = serde_json::from_value(value.clone())
            .context("the `local_stack` output does not have the expected fields")?;
        config.validate()?;
        Ok(config)
    }

    /// Runs `terraform output -json` (with the given command prefix) and reads it.
    ///
    /// # Errors
    /// When Terraform fails or its outputs do not hold a valid configuration.
    pub fn from_terraform(mut command: Command) -> anyhow::Result<Self> {
        let output = command
            .args(["output", "-json"])
            .output()
            .context("running terraform output -json")?;
        if !output.status.success() {
            bail!(
                "terraform output -json failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Self::from_outputs_json(&String::from_utf8_lossy(&output.stdout))
    }

    /// Reads a file holding `terraform output -json`.
    ///
    /// # Errors
    /// As [`StackConfig::from_outputs_json`], or when the file cannot be read.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_outputs_json(&text)
    }

    fn validate(&self) -> anyhow::Result<()> {
        for (name, url) in [
            ("personalize_endpoint", &self.personalize_endpoint),
            ("aws_endpoint", &self.aws_endpoint),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("local_stack.{name} must be an http(s) URL, got {url:?}");
            }
        }
        for (name, value) in [
            ("region", &self.region),
            ("stream_name", &self.stream_name),
            ("bucket_name", &self.bucket_name),
            ("dlq_name", &self.dlq_name),
            ("tracking_id", &self.tracking_id),
        ] {
            if value.is_empty() {
                bail!("local_stack.{name} is empty");
            }
        }
        if let Some(origin) = &self.cors_allow_origin {
            lambda_common::Cors::parse(origin)
                .map_err(|m| anyhow::anyhow!("local_stack.cors_allow_origin {m}"))?;
        }
        match &self.campaign_arn {
            Some(arn) if !arn.starts_with("arn:") => {
                bail!("local_stack.campaign_arn is not an ARN: {arn:?}")
            }
            None if self.recommender_arns.is_empty() => bail!(
                "local_stack has neither a campaign_arn nor recommender_arns: recommend would serve nothing"
            ),
            _ => {}
        }
        if let Some((use_case, arn)) = self
            .recommender_arns
            .iter()
            .find(|(_, arn)| !arn.starts_with("arn:"))
        {
            bail!("local_stack.recommender_arns.{use_case} is not an ARN: {arn:?}");
        }
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            bail!(
                "local_stack.account_id must be 12 digits, got {:?}",
                self.account_id
            );
        }
        Ok(())
    }

    /// ARN of the local stand-in for a function of the pipeline (`collect`, `ingest`...).
    pub fn function_arn(&self, function: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}-{function}",
            self.region, self.account_id, self.name_prefix
        )
    }

    /// ARN of the stream.
    pub fn stream_arn(&self) -> String {
        format!(
            "arn:aws:kinesis:{}:{}:stream/{}",
            self.region, self.account_id, self.stream_name
        )
    }

    /// ARN of the role the functions run as.
    pub fn lambda_role_arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role/{}-lambda",
            self.account_id, self.name_prefix
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> serde_json::Value {
        serde_json::json!({
            "campaign_arn": { "sensitive": false, "type": "string", "value": "arn:aws:personalize:us-east-1:123456789012:campaign/c" },
            "local_stack": { "sensitive": false, "type": ["object", {}], "value": {
                "region": "us-east-1",
                "account_id": "123456789012",
                "name_prefix": "movies-local",
                "personalize_endpoint": "http://127.0.0.1:1",
                "aws_endpoint": "http://127.0.0.1:2",
                "campaign_arn": "arn:aws:personalize:us-east-1:123456789012:campaign/c",
                "tracking_id": "t-1",
                "filter_arns": { "comedies": "arn:aws:personalize:us-east-1:123456789012:filter/f" },
                "stream_name": "movies-local-events",
                "bucket_name": "movies-local-data",
                "archive_prefix": "events/",
                "dlq_name": "movies-local-ingest-dlq",
                "enable_seed_routes": false,
            }},
        })
    }

    #[test]
    fn reads_the_local_stack_output() {
        let config = StackConfig::from_outputs_json(&sample().to_string()).unwrap();
        assert_eq!(config.stream_name, "movies-local-events");
        assert_eq!(config.filter_arns.len(), 1);
        assert!(!config.enable_seed_routes);
        assert_eq!(
            config.function_arn("ingest"),
            "arn:aws:lambda:us-east-1:123456789012:function:movies-local-ingest"
        );
        assert_eq!(
            config.stream_arn(),
            "arn:aws:kinesis:us-east-1:123456789012:stream/movies-local-events"
        );
    }

    #[test]
    fn reads_a_domain_output_with_recommenders_and_no_campaign() {
        let mut outputs = sample();
        outputs["local_stack"]["value"]["campaign_arn"] = serde_json::Value::Null;
        outputs["local_stack"]["value"]["recommender_arns"] = serde_json::json!({
            "top-picks": "arn:aws:personalize:us-east-1:123456789012:recommender/t"
        });
        let config = StackConfig::from_outputs_json(&outputs.to_string()).unwrap();
        assert_eq!(config.campaign_arn, None);
        assert_eq!(config.recommender_arns.len(), 1);
        outputs["local_stack"]["value"]["recommender_arns"] = serde_json::json!({});
        let e = format!(
            "{:#}",
            StackConfig::from_outputs_json(&outputs.to_string()).unwrap_err()
        );
        assert!(
            e.contains("neither a campaign_arn nor recommender_arns"),
            "{e}"
        );
    }

    #[test]
    fn refuses_outputs_that_are_not_the_example_s() {
        let cases: Vec<(String, &str)> = vec![
            ("not json".into(), "not JSON"),
            ("{}".into(), "no `local_stack`"),
            (
                serde_json::json!({ "local_stack": { "value": { "region": "x" } } }).to_string(),
                "expected fields",
            ),
        ];
        for (text, expected) in cases {
            let e = format!("{:#}", StackConfig::from_outputs_json(&text).unwrap_err());
            assert!(e.contains(expected), "{e}");
        }
        for (field, bad, expected) in [
            ("aws_endpoint", serde_json::json!("ftp://x"), "http(s) URL"),
            ("stream_name", serde_json::json!(""), "stream_name is empty"),
            ("campaign_arn", serde_json::json!("campaign"), "not an ARN"),
            (
                "recommender_arns",
                serde_json::json!({ "top-picks": "recommender" }),
                "recommender_arns.top-picks is not an ARN",
            ),
            ("account_id", serde_json::json!("12"), "12 digits"),
            ("region", serde_json::json!(3), "expected fields"),
            ("surprise", serde_json::json!("x"), "expected fields"),
        ] {
            let mut outputs = sample();
            outputs["local_stack"]["value"][field] = bad;
            let e = format!(
                "{:#}",
                StackConfig::from_outputs_json(&outputs.to_string()).unwrap_err()
            );
            assert!(e.contains(expected), "{field}: {e}");
        }
    }
}

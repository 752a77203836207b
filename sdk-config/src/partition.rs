//! The AWS partition of a region, the second field of every ARN (`arn:PARTITION:...`).
//!
//! The partitions and their region prefixes are those of the AWS SDKs' partition data
//! (`partitions.json` of the smithy endpoint rules; AWS General Reference, "Amazon Resource
//! Names (ARNs)": "The partition ... `aws` - AWS Regions, `aws-cn` - China Regions,
//! `aws-us-gov` - AWS GovCloud (US) Regions").

/// The partition of `region`: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, the isolated
/// partitions for theirs, `aws` otherwise.
pub fn partition(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 6] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::partition;

    #[test]
    fn regions_map_to_their_partitions() {
        for (region, want) in [
            ("us-east-1", "aws"),
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("", "aws"),
        ] {
            assert_eq!(partition(region), want, "{region}");
        }
    }
}

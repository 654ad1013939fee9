//! AWS SDK set-up. `aws-config` already honours the standard `AWS_ENDPOINT_URL`, which points
//! every client at a local emulator; S3 then also needs path-style addressing, since an
//! emulator on 127.0.0.1 has no per-bucket host names.

use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;

/// Attempts per AWS call. Throttling is the error every AWS API returns under load, and the
/// scheduled functions (the Glue sweep, the RDS trigger) have no state machine to retry for
/// them: a throttled call would fail the run and set off its alarm. The SDK's default is 3; with
/// 10% of calls throttled, 5 makes a failed call about one in 100,000 (`make bench`'s
/// simulation measures it).
pub const MAX_ATTEMPTS: u32 = 5;

/// The SDK's standard retry (exponential back-off with jitter, a retry quota) with
/// [`MAX_ATTEMPTS`].
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
}

/// The shared SDK configuration: region, credentials and endpoint from the environment, and
/// [`retry_config`].
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config())
        .load()
        .await
}

/// The ARN partition of a Region: `aws-cn` for China, `aws-us-gov` for GovCloud, the isolated
/// and sovereign partitions by their prefixes, `aws` for the rest. AWS offers no API for this
/// that works offline, and the SDK's own partition table is internal to its endpoint resolver.
pub fn partition(region: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// An S3 client that uses path-style URLs whenever an endpoint override is set.
#[cfg(feature = "s3")]
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let s3 = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(s3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_region_maps_to_its_partition() {
        for (region, expected) in [
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            assert_eq!(partition(region), expected, "{region}");
        }
    }
}

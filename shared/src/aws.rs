//! AWS SDK set-up. `aws-config` already honours the standard `AWS_ENDPOINT_URL`, which points
//! every client at a local emulator; S3 then also needs path-style addressing, since an
//! emulator on 127.0.0.1 has no per-bucket host names.

use aws_config::BehaviorVersion;
pub use aws_config::SdkConfig;

/// The shared SDK configuration: region, credentials and endpoint from the environment.
pub async fn load_config() -> SdkConfig {
    aws_config::load_defaults(BehaviorVersion::latest()).await
}

/// An S3 client that uses path-style URLs whenever an endpoint override is set.
#[cfg(feature = "s3")]
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let s3 = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(s3)
}

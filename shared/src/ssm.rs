//! SSM Parameter Store reads. SecureString values come back decrypted and are never logged.

use crate::{Error, Result};
use aws_sdk_ssm::Client;

/// The value of one parameter. A parameter that does not exist is a configuration error
/// naming it.
pub async fn get_parameter(client: &Client, name: &str) -> Result<String> {
    if name.trim().is_empty() {
        return Err(Error::Configuration("SSM parameter name is empty".into()));
    }
    let out = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found())
            {
                Error::Configuration(format!("SSM parameter '{name}' does not exist"))
            } else {
                Error::from_sdk(format!("SSM GetParameter '{name}'"), e)
            }
        })?;
    out.parameter
        .and_then(|p| p.value)
        .ok_or_else(|| Error::Configuration(format!("SSM parameter '{name}' has no value")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ssm::operation::get_parameter::{GetParameterError, GetParameterOutput};
    use aws_sdk_ssm::types::Parameter;
    use aws_sdk_ssm::types::error::ParameterNotFound;
    use aws_smithy_mocks::{mock, mock_client};

    #[tokio::test]
    async fn asks_for_decryption() {
        let rule = mock!(Client::get_parameter)
            .match_requests(|r| r.with_decryption() == Some(true) && r.name() == Some("/a/b"))
            .then_output(|| {
                GetParameterOutput::builder()
                    .parameter(Parameter::builder().value("secret").build())
                    .build()
            });
        let client = mock_client!(aws_sdk_ssm, [&rule]);
        assert_eq!(get_parameter(&client, "/a/b").await.unwrap(), "secret");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn missing_parameter_is_named() {
        let rule = mock!(Client::get_parameter).then_error(|| {
            GetParameterError::ParameterNotFound(ParameterNotFound::builder().build())
        });
        let client = mock_client!(aws_sdk_ssm, [&rule]);
        let err = get_parameter(&client, "/s3/lakehouse/name/raw")
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::Configuration("SSM parameter '/s3/lakehouse/name/raw' does not exist".into())
        );
    }

    #[tokio::test]
    async fn empty_name_makes_no_call() {
        let rule =
            mock!(Client::get_parameter).then_output(|| GetParameterOutput::builder().build());
        let client = mock_client!(aws_sdk_ssm, [&rule]);
        assert!(get_parameter(&client, " ").await.is_err());
        assert_eq!(rule.num_calls(), 0);
    }
}

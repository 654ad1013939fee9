//! SNS notifications that always fit SNS's limits, so a long resource name or a large error
//! never turns a notification into a second failure. The text helpers need no SDK: state
//! machines publish what the functions return.

/// SNS subjects must be under 100 characters, with no line breaks or control characters.
pub const MAX_SUBJECT_CHARS: usize = 99;
/// SNS messages are at most 256 KiB; keep room for the subject and the request envelope.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 - 4 * 1024;

const TRUNCATED: &str = "\n[message truncated to fit the SNS size limit]";

/// A subject SNS accepts: control characters become spaces, and a long one is cut with `…`.
pub fn subject(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() <= MAX_SUBJECT_CHARS {
        return clean.to_owned();
    }
    let mut cut: String = clean.chars().take(MAX_SUBJECT_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A message SNS accepts: an over-long one is cut at a character boundary, and says so.
pub fn message(text: &str) -> String {
    if text.len() <= MAX_MESSAGE_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_MESSAGE_BYTES - TRUNCATED.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    tracing::warn!(
        bytes = text.len(),
        "notification message truncated to the SNS limit"
    );
    format!("{}{TRUNCATED}", &text[..end])
}

/// Publishes a notification and returns the SNS message id. A topic that does not exist is a
/// configuration error naming it.
#[cfg(feature = "sns")]
pub async fn publish(
    client: &aws_sdk_sns::Client,
    topic_arn: &str,
    subject: &str,
    message: &str,
) -> crate::Result<String> {
    let out = client
        .publish()
        .topic_arn(topic_arn)
        .subject(self::subject(subject))
        .message(self::message(message))
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception())
            {
                crate::Error::Configuration(format!("SNS topic '{topic_arn}' does not exist"))
            } else {
                crate::Error::from_sdk(format!("SNS Publish to '{topic_arn}'"), e)
            }
        })?;
    Ok(out.message_id.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_subject_is_unchanged() {
        assert_eq!(subject("Glue session stopped"), "Glue session stopped");
    }

    #[test]
    fn long_subject_is_cut_below_100_characters() {
        let s = subject(&"é".repeat(300));
        assert_eq!(s.chars().count(), MAX_SUBJECT_CHARS);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn subject_loses_line_breaks() {
        assert_eq!(subject("a\nb\tc\r"), "a b c");
    }

    #[test]
    fn large_message_is_cut_on_a_char_boundary_and_says_so() {
        let m = message(&"ü".repeat(MAX_MESSAGE_BYTES));
        assert!(m.len() <= MAX_MESSAGE_BYTES);
        assert!(m.ends_with(TRUNCATED));
        assert_eq!(message("small"), "small");
    }
}

#[cfg(all(test, feature = "sns"))]
mod publish_tests {
    use super::*;
    use crate::Error;
    use aws_sdk_sns::Client;
    use aws_sdk_sns::operation::publish::{PublishError, PublishOutput};
    use aws_sdk_sns::types::error::NotFoundException;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    #[tokio::test]
    async fn publish_sends_the_cleaned_subject() {
        let rule = mock!(Client::publish)
            .match_requests(|r| {
                r.subject()
                    .is_some_and(|s| s.chars().count() == MAX_SUBJECT_CHARS)
                    && r.topic_arn() == Some("arn:aws:sns:us-east-1:123456789012:t")
            })
            .then_output(|| PublishOutput::builder().message_id("m-1").build());
        let client = mock_client!(aws_sdk_sns, [&rule]);
        let id = publish(
            &client,
            "arn:aws:sns:us-east-1:123456789012:t",
            &"s".repeat(200),
            "m",
        )
        .await
        .unwrap();
        assert_eq!(id, "m-1");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn missing_topic_is_a_configuration_error_naming_it() {
        let rule = mock!(Client::publish).then_error(|| {
            PublishError::NotFoundException(
                NotFoundException::builder()
                    .message("Topic does not exist")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_sns, [&rule]);
        let err = publish(&client, "arn:aws:sns:us-east-1:123456789012:gone", "s", "m")
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::Configuration(
                "SNS topic 'arn:aws:sns:us-east-1:123456789012:gone' does not exist".into()
            )
        );
    }

    #[tokio::test]
    async fn throttling_is_retryable() {
        let rule = mock!(Client::publish).then_error(|| {
            PublishError::generic(ErrorMetadata::builder().code("Throttling").build())
        });
        let client = mock_client!(aws_sdk_sns, [&rule]);
        let err = publish(&client, "arn:aws:sns:us-east-1:123456789012:t", "s", "m")
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "Throttled");
        assert!(err.is_retryable());
    }
}

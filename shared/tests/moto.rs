//! The SSM, SNS and S3 helpers against moto: real requests, real responses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers
#![cfg(all(
    feature = "local-stack",
    feature = "s3",
    feature = "sns",
    feature = "ssm"
))]

use aws_sdk_ssm::types::ParameterType;
use shared::Error;
use testing::{moto, topic_with_inbox, unique};

#[tokio::test]
async fn ssm_secure_string_comes_back_decrypted() {
    let config = moto().await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    let name = format!("/{}/api-key", unique("secret"));
    ssm.put_parameter()
        .name(&name)
        .value("s3cr3t")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    assert_eq!(
        shared::ssm::get_parameter(&ssm, &name).await.unwrap(),
        "s3cr3t"
    );
}

#[tokio::test]
async fn ssm_missing_parameter_is_named() {
    let ssm = aws_sdk_ssm::Client::new(&moto().await);
    let err = shared::ssm::get_parameter(&ssm, "/no/such/parameter")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Configuration("SSM parameter '/no/such/parameter' does not exist".into())
    );
}

#[tokio::test]
async fn sns_publish_delivers_a_subject_sns_accepts() {
    let config = moto().await;
    let sns = aws_sdk_sns::Client::new(&config);
    let (topic, inbox) = topic_with_inbox(&config).await;
    let long_subject = format!("Stopped {}\nsecond line", "x".repeat(150));
    shared::sns::publish(&sns, &topic, &long_subject, "the message")
        .await
        .unwrap();
    let got = inbox.read().await;
    assert_eq!(got.len(), 1);
    let subject = got[0].subject.clone().unwrap();
    assert!(
        subject.chars().count() < 100 && !subject.contains('\n'),
        "{subject}"
    );
    assert_eq!(got[0].message, "the message");
}

#[tokio::test]
async fn sns_missing_topic_is_named() {
    let sns = aws_sdk_sns::Client::new(&moto().await);
    let arn = "arn:aws:sns:us-east-1:123456789012:no-such-topic";
    let err = shared::sns::publish(&sns, arn, "s", "m").await.unwrap_err();
    assert_eq!(
        err,
        Error::Configuration(format!("SNS topic '{arn}' does not exist"))
    );
}

#[tokio::test]
async fn s3_put_get_and_list_with_path_style_addressing() {
    let s3 = shared::aws::s3_client(&moto().await);
    let bucket = unique("bucket");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    for key in ["raw/a/a.json", "raw/b/b.json", "other/c.json"] {
        shared::s3::put_object(&s3, &bucket, key, b"[]".to_vec(), "application/json")
            .await
            .unwrap();
    }
    let mut keys = shared::s3::list_keys(&s3, &bucket, "raw/").await.unwrap();
    keys.sort();
    assert_eq!(keys, ["raw/a/a.json", "raw/b/b.json"]);
    assert_eq!(
        shared::s3::get_object(&s3, &bucket, "raw/a/a.json")
            .await
            .unwrap(),
        b"[]"
    );
    let err = shared::s3::get_object(&s3, &bucket, "raw/missing.json")
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "NotFound");
}

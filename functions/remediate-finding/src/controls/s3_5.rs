//! S3.5: S3 general purpose buckets should require requests to use SSL. Adds one statement to
//! the bucket policy that denies every request made without TLS, and keeps every other statement
//! as it was; a bucket without a policy gets a policy of that one statement. Every call is
//! pinned to the finding's account (`ExpectedBucketOwner`).

use super::{Fix, Grant};
use crate::target::Target;
use aws_sdk_s3::error::ProvideErrorMetadata;
use serde::Serialize;
use serde_json::{Value, json};
use shared::aws::SdkConfig;
use shared::{Error, Result};

/// The id of the statement this remediation adds, which undoing it removes.
pub const SID: &str = "DenyInsecureTransport";

pub fn access(target: &Target) -> Vec<Grant> {
    let bucket = format!("arn:{}:s3:::{}", target.partition, target.resource);
    vec![
        Grant::read(&["s3:GetBucketPolicy"], &bucket),
        Grant::write(&["s3:PutBucketPolicy"], bucket),
    ]
}

/// The bucket policy, parsed; none when the bucket has none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BucketPolicy {
    pub policy: Option<Value>,
}

fn bucket_arn(target: &Target) -> String {
    format!("arn:{}:s3:::{}", target.partition, target.resource)
}

/// The statement added: deny all S3 actions on the bucket and its objects without TLS.
pub fn statement(target: &Target) -> Value {
    let bucket = bucket_arn(target);
    json!({
        "Sid": SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket, format!("{bucket}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })
}

fn listed(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

/// Whether a statement already denies every request without TLS to the bucket and its objects.
pub fn denies_insecure_transport(statement: &Value, bucket: &str) -> bool {
    let principal = &statement["Principal"];
    let everyone = principal == "*" || principal["AWS"] == "*";
    let all_actions = listed(&statement["Action"])
        .iter()
        .any(|a| *a == "s3:*" || *a == "*");
    let resources = listed(&statement["Resource"]);
    let covers = |arn: &str| resources.iter().any(|r| *r == arn || *r == "*");
    let insecure = listed(&statement["Condition"]["Bool"]["aws:SecureTransport"])
        .iter()
        .any(|v| *v == "false" || *v == &Value::Bool(false));
    statement["Effect"] == "Deny"
        && everyone
        && all_actions
        && covers(bucket)
        && covers(&format!("{bucket}/*"))
        && insecure
}

pub struct SecureTransport {
    pub s3: aws_sdk_s3::Client,
}

impl SecureTransport {
    pub fn new(aws: &SdkConfig) -> Self {
        SecureTransport {
            s3: shared::aws::s3_client(aws),
        }
    }
}

impl Fix for SecureTransport {
    type State = BucketPolicy;

    async fn read(&self, target: &Target) -> Result<BucketPolicy> {
        let bucket = &target.resource;
        let read = self
            .s3
            .get_bucket_policy()
            .bucket(bucket)
            .expected_bucket_owner(&target.account_id)
            .send()
            .await;
        match read {
            Ok(out) => {
                let text = out.policy.unwrap_or_default();
                let policy = serde_json::from_str(&text).map_err(|e| {
                    Error::Aws(format!("the policy of bucket '{bucket}' is not JSON: {e}"))
                })?;
                Ok(BucketPolicy {
                    policy: Some(policy),
                })
            }
            Err(e) if e.code() == Some("NoSuchBucketPolicy") => Ok(BucketPolicy { policy: None }),
            Err(e) if e.code() == Some("NoSuchBucket") => {
                Err(Error::NotFound(format!("bucket '{bucket}' does not exist")))
            }
            Err(e) => Err(Error::from_sdk(format!("S3 GetBucketPolicy '{bucket}'"), e)),
        }
    }

    fn fixed(&self, target: &Target, before: &BucketPolicy) -> Result<BucketPolicy> {
        let bucket = bucket_arn(target);
        let Some(policy) = &before.policy else {
            return Ok(BucketPolicy {
                policy: Some(json!({"Version": "2012-10-17", "Statement": [statement(target)]})),
            });
        };
        let statements = listed(&policy["Statement"]);
        if statements
            .iter()
            .any(|s| denies_insecure_transport(s, &bucket))
        {
            return Ok(before.clone());
        }
        if statements.iter().any(|s| s["Sid"] == SID) {
            return Err(Error::InvalidInput(format!(
                "the policy of bucket '{}' has a statement {SID} that does not deny requests \
                 without TLS: it is not replaced; nothing was changed",
                target.resource
            )));
        }
        let mut merged = policy.clone();
        let mut all: Vec<Value> = statements.into_iter().cloned().collect();
        all.push(statement(target));
        merged["Statement"] = Value::Array(all);
        Ok(BucketPolicy {
            policy: Some(merged),
        })
    }

    async fn write(&self, target: &Target, _: &BucketPolicy, after: &BucketPolicy) -> Result<()> {
        let bucket = &target.resource;
        let text = after
            .policy
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default();
        self.s3
            .put_bucket_policy()
            .bucket(bucket)
            .expected_bucket_owner(&target.account_id)
            .policy(text)
            .send()
            .await
            .map_err(|e| Error::from_sdk(format!("S3 PutBucketPolicy '{bucket}'"), e))?;
        Ok(())
    }

    fn change(&self, before: &BucketPolicy, _: &BucketPolicy) -> String {
        let kept = before
            .policy
            .as_ref()
            .map_or(0, |p| listed(&p["Statement"]).len());
        format!(
            "statement {SID} (deny requests without TLS) added to the bucket policy, its {kept} \
             other statement{} kept",
            if kept == 1 { "" } else { "s" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUCKET: &str = "arn:aws:s3:::team-reports";

    #[test]
    fn a_deny_without_tls_on_bucket_and_objects_complies() {
        let ours = json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject", "s3:*"],
            "Resource": [BUCKET, format!("{BUCKET}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": false}}});
        assert!(denies_insecure_transport(&ours, BUCKET));
        for (pointer, value) in [
            ("/Effect", json!("Allow")),
            ("/Action", json!("s3:GetObject")),
            ("/Resource", json!(BUCKET)),
            ("/Principal", json!({"AWS": "arn:aws:iam::1:root"})),
            ("/Condition/Bool/aws:SecureTransport", json!("true")),
        ] {
            let mut s = ours.clone();
            *s.pointer_mut(pointer).unwrap() = value;
            assert!(!denies_insecure_transport(&s, BUCKET), "{pointer}");
        }
    }
}

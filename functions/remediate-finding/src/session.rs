//! The session the remediation acts in: the remediation role in the finding's account, assumed
//! with a session policy that allows only what the control needs on the finding's resource, and
//! in a dry run only reads. The role's own policy may allow more; a session gets the
//! intersection.

use crate::Deps;
use crate::controls::{self, Grant};
use crate::target::Target;
use aws_config::Region;
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use serde_json::{Value, json};
use shared::aws::SdkConfig;
use shared::{Error, Result};

/// A configuration acting as the remediation role in the target's account and Region.
pub async fn in_target(deps: &Deps, target: &Target) -> Result<SdkConfig> {
    let role_arn = format!(
        "arn:{}:iam::{}:role/{}",
        target.partition, target.account_id, deps.config.role_name
    );
    let assumed = deps
        .sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name(session_name(&target.finding_id))
        .policy(session_policy(target)?)
        .duration_seconds(900)
        .send()
        .await
        .map_err(|e| Error::from_sdk(format!("STS AssumeRole {role_arn}"), e))?;
    let creds = assumed
        .credentials
        .ok_or_else(|| Error::Aws(format!("STS AssumeRole {role_arn} returned no credentials")))?;
    let credentials = Credentials::new(
        creds.access_key_id,
        creds.secret_access_key,
        Some(creds.session_token),
        None,
        "remediation-role",
    );
    Ok(deps
        .aws
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .region(Region::new(target.region.clone()))
        .build())
}

/// `remediation-<16 hex>`: the same for every delivery of a finding, within STS's 64 characters
/// and its character set, whatever the finding id holds.
pub fn session_name(finding_id: &str) -> String {
    format!(
        "remediation-{:016x}",
        shared::input::stable_hash(finding_id.as_bytes())
    )
}

/// The control's grants as a session policy, without the writes in a dry run. S3 buckets are
/// also pinned to the account (`s3:ResourceAccount`): a bucket ARN names no account.
pub fn session_policy(target: &Target) -> Result<String> {
    let statements: Vec<Value> = controls::access(target)?
        .into_iter()
        .filter(|g: &Grant| !(target.dry_run && g.writes))
        .map(|g| {
            let mut statement = json!({
                "Effect": "Allow",
                "Action": g.actions,
                "Resource": g.resource,
            });
            if g.actions.iter().all(|a| a.starts_with("s3:")) {
                statement["Condition"] =
                    json!({"StringEquals": {"s3:ResourceAccount": target.account_id}});
            }
            statement
        })
        .collect();
    Ok(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(control: &str, dry_run: bool) -> Target {
        Target {
            finding_id: "f".into(),
            control: shared::remediation::control(control).unwrap(),
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            partition: "aws",
            resource_id: "arn:aws:s3:::team-reports".into(),
            resource: "team-reports".into(),
            dry_run,
        }
    }

    fn policy(t: &Target) -> Value {
        serde_json::from_str(&session_policy(t).unwrap()).unwrap()
    }

    #[test]
    fn the_session_may_touch_only_this_bucket_in_this_account() {
        let p = policy(&target("S3.8", false));
        let statements = p["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        for s in statements {
            assert_eq!(s["Resource"], "arn:aws:s3:::team-reports");
            assert_eq!(
                s["Condition"]["StringEquals"]["s3:ResourceAccount"],
                "111122223333"
            );
        }
        let p = policy(&target("S3.8", true));
        assert_eq!(
            p["Statement"],
            json!([{
                "Effect": "Allow",
                "Action": ["s3:GetBucketPublicAccessBlock"],
                "Resource": "arn:aws:s3:::team-reports",
                "Condition": {"StringEquals": {"s3:ResourceAccount": "111122223333"}},
            }])
        );
    }

    #[test]
    fn a_dry_run_session_of_any_control_only_reads() {
        for control in shared::remediation::CONTROLS {
            let p = policy(&target(control.id, true));
            for s in p["Statement"].as_array().unwrap() {
                for action in s["Action"].as_array().unwrap() {
                    let action = action.as_str().unwrap();
                    let verb = action.split(':').nth(1).unwrap();
                    assert!(
                        ["Get", "Describe"].iter().any(|v| verb.starts_with(v)),
                        "{}: {action}",
                        control.id
                    );
                }
            }
        }
    }

    #[test]
    fn session_names_fit_sts() {
        let name = session_name(&"arn:aws:securityhub:…/finding/ü ".repeat(40));
        assert_eq!(name.len(), 28);
        assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        assert_eq!(session_name("a"), session_name("a"));
        assert_ne!(session_name("a"), session_name("b"));
    }
}

//! What the remediation acts on, checked again here: an account the deployment may act in, a
//! control this remediation fixes, and one S3 bucket named by a well-formed ARN of the Region's
//! partition. A request that fails any check changes nothing.

use shared::Error;
use shared::input::shorten;
use shared::remediation::{Accounts, RemediationRequest};

/// The controls this remediation fixes.
pub const CONTROLS: &[&str] = &["S3.8"];

/// The request, checked.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub finding_id: String,
    pub account_id: String,
    pub region: String,
    pub partition: &'static str,
    pub bucket: String,
    pub dry_run: bool,
}

pub fn checked(request: RemediationRequest, accounts: &Accounts) -> Result<Target, Error> {
    let invalid = |reason: String| Error::InvalidInput(format!("{reason}: nothing was changed"));
    if request.finding_id.is_empty() {
        return Err(invalid("the request names no finding".into()));
    }
    accounts
        .check(&request.account_id)
        .map_err(|r| invalid(r.to_string()))?;
    if !shared::input::is_region(&request.region) {
        return Err(invalid(format!(
            "region '{}' is not an AWS Region name",
            shorten(&request.region)
        )));
    }
    if !CONTROLS.contains(&request.control_id.as_str()) {
        return Err(invalid(format!(
            "this remediation fixes {}, not control {}",
            CONTROLS.join(", "),
            shorten(&request.control_id)
        )));
    }
    if request.resource.kind != "AwsS3Bucket" {
        return Err(invalid(format!(
            "this remediation fixes S3 buckets, not {}",
            shorten(&request.resource.kind)
        )));
    }
    let partition = shared::aws::partition(&request.region);
    let bucket = request
        .resource
        .resource_name(partition)
        .map_err(|r| invalid(r.to_string()))?
        .to_owned();
    Ok(Target {
        finding_id: request.finding_id,
        account_id: request.account_id,
        region: request.region,
        partition,
        bucket,
        dry_run: request.dry_run,
    })
}

/// `remediation-<16 hex>`: the same for every delivery of a finding, within STS's 64 characters
/// and its character set, whatever the finding id holds.
pub fn session_name(finding_id: &str) -> String {
    format!(
        "remediation-{:016x}",
        shared::input::stable_hash(finding_id.as_bytes())
    )
}

/// The session policy of the assumed role: only this bucket, only in this account, and in a
/// dry run only reads. The role's own policy may allow more; a session gets the intersection.
pub fn session_policy(target: &Target) -> String {
    let actions: &[&str] = if target.dry_run {
        &["s3:GetBucketPublicAccessBlock"]
    } else {
        &[
            "s3:GetBucketPublicAccessBlock",
            "s3:PutBucketPublicAccessBlock",
        ]
    };
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": actions,
            "Resource": format!("arn:{}:s3:::{}", target.partition, target.bucket),
            "Condition": {"StringEquals": {"s3:ResourceAccount": target.account_id}},
        }],
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn accounts() -> Accounts {
        let vars = |n: &str| (n == "ACCOUNT_ID").then(|| "111122223333".to_owned());
        Accounts::from_vars(&vars).unwrap()
    }

    fn request() -> Value {
        json!({
            "finding_id": "arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/1",
            "control_id": "S3.8",
            "account_id": "111122223333",
            "region": "eu-west-1",
            "resource": {"type": "AwsS3Bucket", "id": "arn:aws:s3:::team-reports"},
        })
    }

    fn target(request: Value) -> Result<Target, Error> {
        checked(shared::input::parse(request)?, &accounts())
    }

    #[test]
    fn the_bucket_comes_from_its_arn() {
        let t = target(request()).unwrap();
        assert_eq!((t.bucket.as_str(), t.partition), ("team-reports", "aws"));
        assert!(!t.dry_run);
    }

    #[test]
    fn requests_outside_the_remediations_scope_are_refused() {
        for (pointer, value, expected) in [
            (
                "/account_id",
                json!("444455556666"),
                "may not act in account 444455556666",
            ),
            ("/account_id", json!("1111-2222-3333"), "is not 12 digits"),
            ("/region", json!("eu-west-1; rm"), "not an AWS Region name"),
            ("/control_id", json!("EC2.2"), "not control EC2.2"),
            (
                "/resource/type",
                json!("AwsEc2Instance"),
                "not AwsEc2Instance",
            ),
            (
                "/resource/id",
                json!("team-reports"),
                "not an S3 bucket ARN",
            ),
            (
                "/resource/id",
                json!("arn:aws:s3:::Bad_Name"),
                "not an S3 bucket name",
            ),
            (
                "/resource/id",
                json!("arn:aws:s3:::../etc"),
                "not an S3 bucket name",
            ),
            (
                "/resource/id",
                json!("arn:aws-cn:s3:::team-reports"),
                "not an S3 bucket ARN",
            ),
            ("/finding_id", json!(""), "names no finding"),
        ] {
            let mut r = request();
            *r.pointer_mut(pointer).unwrap() = value;
            let err = target(r).unwrap_err();
            assert_eq!(err.error_type(), "InvalidInput");
            assert!(err.to_string().contains(expected), "{pointer}: {err}");
        }
        let mut r = request();
        r["finding"] = json!({});
        assert!(
            target(r)
                .unwrap_err()
                .to_string()
                .contains("unknown field `finding`")
        );
    }

    #[test]
    fn the_session_may_touch_only_this_bucket_in_this_account() {
        let mut t = target(request()).unwrap();
        let policy: Value = serde_json::from_str(&session_policy(&t)).unwrap();
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Resource"], "arn:aws:s3:::team-reports");
        assert_eq!(
            statement["Condition"]["StringEquals"]["s3:ResourceAccount"],
            "111122223333"
        );
        assert_eq!(statement["Action"].as_array().unwrap().len(), 2);
        t.dry_run = true;
        let policy: Value = serde_json::from_str(&session_policy(&t)).unwrap();
        assert_eq!(
            policy["Statement"][0]["Action"],
            json!(["s3:GetBucketPublicAccessBlock"])
        );
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

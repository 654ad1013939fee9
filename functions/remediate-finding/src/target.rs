//! What the remediation acts on, checked again here: an account the deployment may act in, a
//! control of the catalogue, and the one resource its finding names, of the control's type, its
//! id well-formed and in the finding's account and Region. A request that fails any check
//! changes nothing.

use shared::Error;
use shared::input::shorten;
use shared::remediation::{Accounts, Control, RemediationRequest, Scope};

/// The request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub finding_id: String,
    pub control: &'static Control,
    pub account_id: String,
    pub region: String,
    pub partition: &'static str,
    /// The resource's id as the finding names it (an ARN, or `AWS::::Account:ID`).
    pub resource_id: String,
    /// Its name or id within the account: a bucket, a key id, a function, a group id.
    pub resource: String,
    pub dry_run: bool,
}

impl Target {
    /// An ARN in the target's account and Region: `arn(“kms”, “key/ID”)`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account_id
        )
    }
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
    let partition = shared::aws::partition(&request.region);
    let scope = Scope {
        partition,
        account_id: &request.account_id,
        region: &request.region,
    };
    let (control, resource) = request
        .resource
        .check(&request.control_id, scope)
        .map_err(|r| invalid(r.to_string()))?;
    let resource = resource.to_owned();
    Ok(Target {
        finding_id: request.finding_id,
        control,
        account_id: request.account_id,
        region: request.region,
        partition,
        resource_id: request.resource.id,
        resource,
        dry_run: request.dry_run,
    })
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
    fn the_resource_comes_from_its_id() {
        let t = target(request()).unwrap();
        assert_eq!((t.resource.as_str(), t.partition), ("team-reports", "aws"));
        assert_eq!(t.control.id, "S3.8");
        assert!(!t.dry_run);
        let mut r = request();
        r["control_id"] = json!("KMS.4");
        r["resource"] = json!({"type": "AwsKmsKey",
            "id": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"});
        let t = target(r).unwrap();
        assert_eq!(t.resource, "1234abcd-12ab-34cd-56ef-1234567890ab");
        assert_eq!(t.arn("kms", &format!("key/{}", t.resource)), t.resource_id);
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
            (
                "/control_id",
                json!("EC2.18"),
                "which resource control EC2.18 is about",
            ),
            (
                "/control_id",
                json!("KMS.4"),
                "of type AwsS3Bucket, not the AwsKmsKey control KMS.4",
            ),
            (
                "/resource/type",
                json!("AwsEc2Instance"),
                "of type AwsEc2Instance, not the AwsS3Bucket control S3.8",
            ),
            (
                "/resource/id",
                json!("team-reports"),
                "not an S3 bucket ARN",
            ),
            (
                "/resource/id",
                json!("arn:aws:s3:::Bad_Name"),
                "not a valid AwsS3Bucket",
            ),
            (
                "/resource/id",
                json!("arn:aws:s3:::../etc"),
                "not a valid AwsS3Bucket",
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
}

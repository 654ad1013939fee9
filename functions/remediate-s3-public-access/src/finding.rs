//! What the remediation needs from its input: the target account and region, the bucket the
//! finding names, and a session name that identifies the finding.

use serde_json::Value;
use shared::Error;
use shared::remediation::RemediationRequest;

/// The request, checked: the bucket comes from the finding's `AwsS3Bucket` resource, and the
/// finding must be about the account the request targets.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub finding_id: String,
    pub account_id: String,
    pub region: String,
    pub bucket: String,
    pub dry_run: bool,
}

/// [`checked`] on a raw payload.
pub fn target(event: Value) -> Result<Target, Error> {
    checked(shared::input::parse(event)?)
}

pub fn checked(request: RemediationRequest) -> Result<Target, Error> {
    let finding_id = request
        .finding
        .get("Id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::InvalidInput("the finding has no string Id".into()))?
        .to_owned();
    let account = &request.account_id;
    if !shared::input::is_account_id(account) {
        return Err(Error::InvalidInput(format!(
            "account_id '{}' is not 12 digits",
            short(account)
        )));
    }
    if let Some(finding_account) = request.finding.get("AwsAccountId").and_then(Value::as_str) {
        if finding_account != account {
            return Err(Error::InvalidInput(format!(
                "the finding is about account {}, not {account}: nothing was changed",
                short(finding_account)
            )));
        }
    }
    let buckets: Vec<&str> = request
        .finding
        .get("Resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("Type").and_then(Value::as_str) == Some("AwsS3Bucket"))
        .filter_map(|r| r.get("Id").and_then(Value::as_str))
        .collect();
    let bucket = match buckets.as_slice() {
        [one] => bucket_name(one)?,
        [] => {
            return Err(Error::InvalidInput(
                "the finding has no AwsS3Bucket resource: this remediation only fixes S3 buckets"
                    .into(),
            ));
        }
        _ => {
            return Err(Error::InvalidInput(format!(
                "the finding names {} S3 buckets; a remediation changes exactly one",
                buckets.len()
            )));
        }
    };
    Ok(Target {
        finding_id,
        account_id: request.account_id,
        region: request.region,
        bucket,
        dry_run: request.dry_run,
    })
}

/// The name in `arn:aws:s3:::NAME` (or a bare name), checked against S3's naming rules.
fn bucket_name(id: &str) -> Result<String, Error> {
    let name = id
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":s3:::"))
        .map_or(id, |(_, name)| name);
    let valid = (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !valid {
        return Err(Error::InvalidInput(format!(
            "'{}' is not an S3 bucket name",
            short(id)
        )));
    }
    Ok(name.to_owned())
}

/// `remediation-<16 hex>`: the same for every delivery of a finding, within STS's 64 characters
/// and its character set, whatever the finding id holds.
pub fn session_name(finding_id: &str) -> String {
    format!(
        "remediation-{:016x}",
        shared::input::stable_hash(finding_id.as_bytes())
    )
}

fn short(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(resources: Value) -> Value {
        json!({
            "finding": {"Id": "f-1", "AwsAccountId": "111122223333", "Resources": resources},
            "account_id": "111122223333",
            "region": "eu-west-1",
        })
    }

    #[test]
    fn the_bucket_comes_from_the_finding() {
        let t = target(request(json!([
            {"Type": "AwsAccount", "Id": "AWS::::Account:111122223333"},
            {"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::team-reports"}
        ])))
        .unwrap();
        assert_eq!(t.bucket, "team-reports");
        assert!(!t.dry_run);
    }

    #[test]
    fn findings_without_exactly_one_good_bucket_are_refused() {
        for (resources, expected) in [
            (json!([]), "no AwsS3Bucket resource"),
            (
                json!([{"Type": "AwsEc2Instance", "Id": "i-1"}]),
                "no AwsS3Bucket resource",
            ),
            (
                json!([{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::a1b"}, {"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::c1d"}]),
                "names 2 S3 buckets",
            ),
            (
                json!([{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::Bad_Name"}]),
                "is not an S3 bucket name",
            ),
            (
                json!([{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::../etc"}]),
                "is not an S3 bucket name",
            ),
        ] {
            let err = target(request(resources)).unwrap_err();
            assert_eq!(err.error_type(), "InvalidInput");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn a_finding_about_another_account_is_refused() {
        let mut r = request(json!([{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::team-reports"}]));
        r["account_id"] = json!("999999999999");
        let err = target(r).unwrap_err();
        assert!(
            err.to_string()
                .contains("is about account 111122223333, not 999999999999")
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

//! The catalogue: one module per control, each a [`Fix`]: what it reads, how the state that
//! complies is made from what it read by changing only what the control requires, and how that
//! change is written. [`run`] does the rest the same way for every control: read, decide, in a
//! dry run stop there, write, read back until the change shows, and report the state before and
//! after, which the proxy records with the finding and which the docs' undo step restores.
//!
//! Adding a control: a module here, its entry in `shared::remediation::CONTROLS`, a line in
//! [`remediate`] and in [`access`], its statement in `templates/remediation-member-role.yaml`,
//! its samples under `events/remediate-finding/` and its tests in `tests/moto.rs`.

pub mod ec2_2;
pub mod ec2_7;
pub mod iam_7;
pub mod kms_4;
pub mod lambda_1;
pub mod rds_2;
pub mod s3_1;
pub mod s3_5;
pub mod s3_8;

use crate::target::Target;
use serde::Serialize;
use serde_json::json;
use shared::aws::SdkConfig;
use shared::remediation::{Outcome, RemediationResult};
use shared::{Error, Result};
use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

/// One control's fix, acting in the finding's account through clients made from the session
/// that [`access`] limits.
pub trait Fix {
    /// What the control reads and may change: recorded before and after.
    type State: Serialize + PartialEq + Debug + Send + Sync;

    /// The state as it is now.
    fn read(&self, target: &Target) -> impl Future<Output = Result<Self::State>> + Send;

    /// `before` with only what the control requires changed: `before` itself when it already
    /// complies. An error when it cannot be fixed without changing more (a statement with no
    /// id to remove it by, a group that is not a default group).
    fn fixed(&self, target: &Target, before: &Self::State) -> Result<Self::State>;

    /// Makes `after` so, from `before`.
    fn write(
        &self,
        target: &Target,
        before: &Self::State,
        after: &Self::State,
    ) -> impl Future<Output = Result<()>> + Send;

    /// What changes from `before` to `after`, in words: "BlockPublicAcls turned on".
    fn change(&self, before: &Self::State, after: &Self::State) -> String;
}

/// The AWS actions a control's session may call, each on a resource: the session policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub actions: &'static [&'static str],
    /// An ARN in the finding's account, or `*` for an account setting, an action without
    /// resource-level permissions, within the one account the session is in.
    pub resource: String,
    /// Left out of a dry run's session, which may only read.
    pub writes: bool,
}

impl Grant {
    pub fn read(actions: &'static [&'static str], resource: impl Into<String>) -> Self {
        Grant {
            actions,
            resource: resource.into(),
            writes: false,
        }
    }

    pub fn write(actions: &'static [&'static str], resource: impl Into<String>) -> Self {
        Grant {
            actions,
            resource: resource.into(),
            writes: true,
        }
    }
}

/// What the control's session may do on the target.
pub fn access(target: &Target) -> Result<Vec<Grant>> {
    Ok(match target.control.id {
        "EC2.2" => ec2_2::access(target),
        "EC2.7" => ec2_7::access(),
        "IAM.7" => iam_7::access(),
        "KMS.4" => kms_4::access(target),
        "Lambda.1" => lambda_1::access(target),
        "RDS.2" => rds_2::access(target),
        "S3.1" => s3_1::access(),
        "S3.5" => s3_5::access(target),
        "S3.8" => s3_8::access(target),
        other => return Err(not_in_catalogue(other)),
    })
}

/// Fixes the target's control with `aws`, a configuration acting in the target's account.
pub async fn remediate(aws: &SdkConfig, target: &Target) -> Result<RemediationResult> {
    match target.control.id {
        "EC2.2" => run(&ec2_2::DefaultSecurityGroup::new(aws), target).await,
        "EC2.7" => run(&ec2_7::EbsEncryptionByDefault::new(aws), target).await,
        "IAM.7" => run(&iam_7::PasswordPolicy::new(aws), target).await,
        "KMS.4" => run(&kms_4::KeyRotation::new(aws), target).await,
        "Lambda.1" => run(&lambda_1::PublicInvoke::new(aws), target).await,
        "RDS.2" => run(&rds_2::PublicDbInstance::new(aws), target).await,
        "S3.1" => run(&s3_1::AccountPublicAccess::new(aws), target).await,
        "S3.5" => run(&s3_5::SecureTransport::new(aws), target).await,
        "S3.8" => run(&s3_8::BucketPublicAccess::new(aws), target).await,
        other => Err(not_in_catalogue(other)),
    }
}

fn not_in_catalogue(control: &str) -> Error {
    Error::Internal(format!(
        "control {control} is in the catalogue but no fix is registered for it"
    ))
}

/// How long a change may take to show when read back: IAM, S3 policies and RDS apply theirs
/// within seconds, eventually; the function's timeout leaves room for the rest.
pub const SETTLE: Duration = Duration::from_secs(30);

/// Reads, decides, writes and reads back one control's state on the target.
pub async fn run<F: Fix>(fix: &F, target: &Target) -> Result<RemediationResult> {
    let before = fix.read(target).await?;
    let wanted = fix.fixed(target, &before)?;
    let (outcome, after) = if wanted == before {
        (Outcome::AlreadyCompliant, None)
    } else if target.dry_run {
        (Outcome::WouldRemediate, None)
    } else {
        fix.write(target, &before, &wanted).await?;
        (
            Outcome::Remediated,
            Some(read_back(fix, target, &wanted).await?),
        )
    };
    let place = format!(
        "{} in account {} ({})",
        resource_label(target),
        target.account_id,
        target.region
    );
    let control = target.control.id;
    let summary = match outcome {
        Outcome::Remediated => format!(
            "Fixed {control} on {place}: {}.",
            fix.change(&before, &wanted)
        ),
        Outcome::WouldRemediate => format!(
            "Would fix {control} on {place}: {}.",
            fix.change(&before, &wanted)
        ),
        Outcome::AlreadyCompliant => format!("{control} already holds on {place}."),
    };
    let state = |s: &F::State| {
        serde_json::to_value(s)
            .map_err(|e| Error::Internal(format!("the state cannot be serialised: {e}")))
    };
    let (before_json, after_json) = (state(&before)?, after.as_ref().map(state).transpose()?);
    // The whole states, which the finding's record may cut.
    tracing::info!(control, resource = %target.resource, account = %target.account_id, outcome = outcome.as_str(), dry_run = target.dry_run, before = %before_json, after = ?after_json, "remediation");
    Ok(RemediationResult {
        outcome,
        summary,
        detail: json!({
            "control": control,
            "resource": target.resource_id,
            "account_id": target.account_id,
            "region": target.region,
            "dry_run": target.dry_run,
        }),
        before: Some(before_json),
        after: after_json,
    })
}

/// The state once it equals `wanted`, read again with growing pauses for up to [`SETTLE`].
async fn read_back<F: Fix>(fix: &F, target: &Target, wanted: &F::State) -> Result<F::State> {
    let mut waited = Duration::ZERO;
    let mut pause = Duration::from_millis(500);
    loop {
        let now = fix.read(target).await?;
        if &now == wanted {
            return Ok(now);
        }
        if waited >= SETTLE {
            return Err(Error::Aws(format!(
                "{} on {}: the change does not show when read back after {}s; now {now:?}",
                target.control.id,
                target.resource_id,
                waited.as_secs()
            )));
        }
        tokio::time::sleep(pause).await;
        waited += pause;
        pause = (pause * 2).min(Duration::from_secs(8));
    }
}

fn resource_label(target: &Target) -> String {
    let name = &target.resource;
    match target.control.resource_type {
        "AwsAccount" => "the account".to_owned(),
        "AwsS3Bucket" => format!("bucket '{name}'"),
        "AwsEc2SecurityGroup" => format!("security group {name}"),
        "AwsKmsKey" => format!("KMS key {name}"),
        "AwsLambdaFunction" => format!("function '{name}'"),
        "AwsRdsDbInstance" => format!("DB instance '{name}'"),
        other => format!("{other} '{name}'"),
    }
}

/// Names joined for a sentence: "a", "a and b", "a, b and c".
pub fn and_list(names: &[impl AsRef<str>]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_of_the_catalogue_has_a_fix_and_a_session() {
        for control in shared::remediation::CONTROLS {
            let target = Target {
                finding_id: "f".into(),
                control,
                account_id: "111122223333".into(),
                region: "eu-west-1".into(),
                partition: "aws",
                resource_id: "id".into(),
                resource: "name".into(),
                dry_run: true,
            };
            let grants = access(&target).unwrap();
            assert!(grants.iter().any(|g| g.writes), "{}", control.id);
            assert!(grants.iter().any(|g| !g.writes), "{}", control.id);
            assert!(
                !resource_label(&target).starts_with("Aws"),
                "{}",
                control.id
            );
        }
    }

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b"]), "a and b");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }
}

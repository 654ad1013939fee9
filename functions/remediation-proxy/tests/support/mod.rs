//! What the proxy's tests share: the genuine S3.8 finding of `events/remediation-proxy/`, as
//! mocked Security Hub returns it, and a proxy whose Lambda and Security Hub clients are mocks.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // each test file uses a part

use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_securityhub::operation::get_findings::GetFindingsOutput;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, ComplianceStatus, RecordState, WorkflowStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use remediation_proxy::{Config, Deps, ProxyError};
use serde_json::{Value, json};
use shared::finding::Finding;

pub const ACCOUNT: &str = "111122223333";
pub const FINDING_ID: &str = "arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/0b9e3a01-5c1d-4f0e-9a8b-2d7c6e5f4a3b";
pub const PRODUCT_ARN: &str = "arn:aws:securityhub:eu-west-1::product/aws/securityhub";
pub const BUCKET_ARN: &str = "arn:aws:s3:::team-reports-111122223333";
pub const FUNCTION: &str = "arn:aws:lambda:eu-west-1:111122223333:function:remediate-finding";

/// The handler on a raw payload, as Lambda delivers it, with its JSON answer.
pub async fn handle(deps: &Deps, event: Value) -> Result<Value, ProxyError> {
    let out = remediation_proxy::handle(deps, shared::input::parse(event)?).await?;
    Ok(serde_json::to_value(out).unwrap())
}

/// The request the state machine sends for the genuine finding.
pub fn request() -> Value {
    json!({
        "remediation": {"function": "remediate-finding", "qualifier": "live"},
        "finding_id": FINDING_ID,
        "product_arn": PRODUCT_ARN,
        "control_id": "S3.8",
        "account_id": ACCOUNT,
        "region": "eu-west-1",
        "resource": {"type": "AwsS3Bucket", "id": BUCKET_ARN},
    })
}

/// The genuine finding, as the checks read it.
pub fn finding() -> Finding {
    shared::input::parse(json!({
        "Id": FINDING_ID,
        "ProductArn": PRODUCT_ARN,
        "GeneratorId": "security-control/S3.8",
        "AwsAccountId": ACCOUNT,
        "Region": "eu-west-1",
        "Title": "S3 general purpose buckets should block public access at the bucket level",
        "RecordState": "ACTIVE",
        "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8"},
        "Workflow": {"Status": "NEW"},
        "Resources": [{"Type": "AwsS3Bucket", "Id": BUCKET_ARN}],
    }))
    .unwrap()
}

/// `f` as the SDK returns it from GetFindings.
pub fn sdk(f: &Finding) -> AwsSecurityFinding {
    let mut b = AwsSecurityFinding::builder()
        .set_id(f.id.clone())
        .set_product_arn(f.product_arn.clone())
        .set_generator_id(f.generator_id.clone())
        .set_aws_account_id(f.aws_account_id.clone())
        .set_region(f.region.clone())
        .set_title(f.title.clone())
        .set_record_state(f.record_state.as_deref().map(RecordState::from));
    if let Some(c) = &f.compliance {
        b = b.compliance(
            aws_sdk_securityhub::types::Compliance::builder()
                .set_status(c.status.as_deref().map(ComplianceStatus::from))
                .set_security_control_id(c.security_control_id.clone())
                .build(),
        );
    }
    if let Some(w) = &f.workflow {
        b = b.workflow(
            aws_sdk_securityhub::types::Workflow::builder()
                .set_status(w.status.as_deref().map(WorkflowStatus::from))
                .build(),
        );
    }
    for r in f.resources.iter().flatten() {
        b = b.resources(
            aws_sdk_securityhub::types::Resource::builder()
                .set_type(r.kind.clone())
                .set_id(r.id.clone())
                .build(),
        );
    }
    b.build()
}

/// Security Hub's GetFindings answering these findings, whatever the filter.
pub fn get_findings(findings: Vec<Finding>) -> Rule {
    mock!(aws_sdk_securityhub::Client::get_findings).then_output(move || {
        GetFindingsOutput::builder()
            .set_findings(Some(findings.iter().map(sdk).collect()))
            .build()
    })
}

/// The remediation answering `result`.
pub fn remediation_answers(result: Value) -> Rule {
    mock!(aws_sdk_lambda::Client::invoke).then_output(move || {
        InvokeOutput::builder()
            .status_code(200)
            .payload(Blob::new(serde_json::to_vec(&result).unwrap()))
            .build()
    })
}

pub fn blocked() -> Rule {
    remediation_answers(
        json!({"outcome": "remediated", "summary": "Blocked all public access.",
        "before": {"block_public_acls": false}, "after": {"block_public_acls": true}}),
    )
}

/// A proxy allowing `remediate-finding:live` in its own account (and `members`).
pub fn deps(lambda: &[&Rule], securityhub: &[&Rule], dry_run: bool, members: &str) -> Deps {
    let vars = |n: &str| match n {
        "ALLOWED_REMEDIATIONS" => Some(format!("{FUNCTION}:live")),
        "DRY_RUN" => Some(dry_run.to_string()),
        "ACCOUNT_ID" => Some(ACCOUNT.to_owned()),
        "MEMBER_ACCOUNT_IDS" => Some(members.to_owned()),
        _ => None,
    };
    Deps {
        lambda: mock_client!(aws_sdk_lambda, RuleMode::MatchAny, lambda),
        securityhub: mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, securityhub),
        config: Config::from_vars(&vars).unwrap(),
    }
}

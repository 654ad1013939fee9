//! The proxy's answer, which the `security-remediation` state machine reads, against its sample
//! in `events/outputs/remediation-proxy/`.

use serde_json::json;
use shared::remediation::ProxyResult;

#[test]
fn the_state_machine_reads_this_message() {
    let result = ProxyResult {
        remediation: "remediate-s3-public-access:live".into(),
        account_id: "111122223333".into(),
        region: "eu-west-1".into(),
        dry_run: true,
        result: json!({"bucket": "team-reports-111122223333", "action": "would_block", "changed": false}),
    };
    testing::output_sample("remediation-proxy", "remediated", &result);
}

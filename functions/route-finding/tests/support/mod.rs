//! What the router's tests share: the demo's routing table (S3.8 remediated, EC2.2 suppressed)
//! and routing as deployed in account 111122223333, the samples' account.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Each test file that includes it uses a part of it.
#![allow(dead_code)]

use route_finding::table::{RemediatedControls, Table};
use route_finding::{Decision, Router, findings_event};
use serde_json::Value;
use shared::remediation::Accounts;

pub const TABLE: &str = r#"{"rules": [
    {"control_id": "S3.8", "action": "remediate",
     "remediation": {"function": "remediate-finding", "qualifier": "live"}},
    {"control_id": "EC2.2", "action": "suppress", "note": "Default security groups are locked by the landing zone."}
]}"#;

/// The decisions for `event`, with `remediated` opted in (`""` for none, as deployed by default).
pub fn route(event: &Value, remediated: &str) -> shared::Result<Vec<Decision>> {
    route_with(event, remediated, TABLE)
}

/// The same with another routing table.
pub fn route_with(event: &Value, remediated: &str, table: &str) -> shared::Result<Vec<Decision>> {
    let event = findings_event(event)?;
    let table = Table::parse(table).unwrap();
    let remediated = RemediatedControls::parse(remediated).unwrap();
    let vars = |n: &str| (n == "ACCOUNT_ID").then(|| "111122223333".to_owned());
    let accounts = Accounts::from_vars(&vars).unwrap();
    let router = Router {
        table: &table,
        remediated: &remediated,
        accounts: &accounts,
    };
    Ok(router.route(&event))
}

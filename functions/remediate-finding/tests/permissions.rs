//! The member role (`templates/remediation-member-role.yaml`) grants exactly what the catalogue's
//! sessions ask for: no control fails for a missing permission, and the role holds nothing no
//! control uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use remediate_finding::controls::access;
use remediate_finding::target::Target;
use shared::remediation::CONTROLS;
use std::collections::BTreeSet;

#[test]
fn the_member_role_grants_exactly_the_catalogues_actions() {
    let mut asked = BTreeSet::new();
    for control in CONTROLS {
        let target = Target {
            finding_id: "f".into(),
            control,
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            partition: "aws",
            resource_id: "id".into(),
            resource: "name".into(),
            dry_run: false,
        };
        for grant in access(&target).unwrap() {
            asked.extend(grant.actions.iter().map(|a| (*a).to_owned()));
        }
    }
    let template = std::fs::read_to_string(
        testing::workspace_root().join("templates/remediation-member-role.yaml"),
    )
    .unwrap();
    let policies = &template[template.find("      Policies:").unwrap()..];
    let granted: BTreeSet<String> = policies
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("- ").or_else(|| l.strip_prefix("Action: ")))
        .filter(|a| {
            a.split_once(':').is_some_and(|(service, action)| {
                !service.contains(' ') && action.starts_with(|c: char| c.is_ascii_uppercase())
            })
        })
        .map(str::to_owned)
        .collect();
    assert_eq!(granted, asked);
}

//! EC2.2: VPC default security groups should not allow inbound or outbound traffic. Removes
//! every inbound and outbound rule of the default security group the finding names, and only of
//! a group that is a VPC's default group (named `default`) of the finding's account: resources
//! should use groups of their own. The rules are recorded in the shape
//! `aws ec2 authorize-security-group-ingress --ip-permissions` takes, which is how they are put
//! back.

use super::{Fix, Grant};
use crate::target::Target;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use serde::Serialize;
use shared::aws::SdkConfig;
use shared::{Error, Result};

pub fn access(target: &Target) -> Vec<Grant> {
    vec![
        // AWS-REQUIRED-WILDCARD: ec2:DescribeSecurityGroups has no resource-level permissions.
        Grant::read(&["ec2:DescribeSecurityGroups"], "*"),
        Grant::write(
            &[
                "ec2:RevokeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
            ],
            target.arn("ec2", &format!("security-group/{}", target.resource)),
        ),
    ]
}

/// One rule, as EC2's `IpPermissions` JSON spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub ip_protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ip_ranges: Vec<Cidr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_ranges: Vec<Cidr6>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefix_list_ids: Vec<PrefixList>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user_id_group_pairs: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cidr {
    pub cidr_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cidr6 {
    pub cidr_ipv6: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixList {
    pub prefix_list_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    pub group_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Rule {
    fn from_ec2(p: &IpPermission) -> Self {
        let text = |s: Option<&str>| s.unwrap_or_default().to_owned();
        let description = |d: Option<&str>| d.map(str::to_owned);
        Rule {
            ip_protocol: text(p.ip_protocol()),
            from_port: p.from_port(),
            to_port: p.to_port(),
            ip_ranges: p
                .ip_ranges()
                .iter()
                .map(|r| Cidr {
                    cidr_ip: text(r.cidr_ip()),
                    description: description(r.description()),
                })
                .collect(),
            ipv6_ranges: p
                .ipv6_ranges()
                .iter()
                .map(|r| Cidr6 {
                    cidr_ipv6: text(r.cidr_ipv6()),
                    description: description(r.description()),
                })
                .collect(),
            prefix_list_ids: p
                .prefix_list_ids()
                .iter()
                .map(|r| PrefixList {
                    prefix_list_id: text(r.prefix_list_id()),
                    description: description(r.description()),
                })
                .collect(),
            user_id_group_pairs: p
                .user_id_group_pairs()
                .iter()
                .map(|r| Group {
                    group_id: text(r.group_id()),
                    description: description(r.description()),
                })
                .collect(),
        }
    }

    /// The permission to revoke: the rule's protocol, ports and peers.
    pub fn to_ec2(&self) -> IpPermission {
        IpPermission::builder()
            .ip_protocol(&self.ip_protocol)
            .set_from_port(self.from_port)
            .set_to_port(self.to_port)
            .set_ip_ranges(Some(
                self.ip_ranges
                    .iter()
                    .map(|r| IpRange::builder().cidr_ip(&r.cidr_ip).build())
                    .collect(),
            ))
            .set_ipv6_ranges(Some(
                self.ipv6_ranges
                    .iter()
                    .map(|r| Ipv6Range::builder().cidr_ipv6(&r.cidr_ipv6).build())
                    .collect(),
            ))
            .set_prefix_list_ids(Some(
                self.prefix_list_ids
                    .iter()
                    .map(|r| {
                        PrefixListId::builder()
                            .prefix_list_id(&r.prefix_list_id)
                            .build()
                    })
                    .collect(),
            ))
            .set_user_id_group_pairs(Some(
                self.user_id_group_pairs
                    .iter()
                    .map(|r| UserIdGroupPair::builder().group_id(&r.group_id).build())
                    .collect(),
            ))
            .build()
    }
}

/// The group's name and its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rules {
    pub group_name: String,
    pub vpc_id: String,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

pub struct DefaultSecurityGroup {
    pub ec2: aws_sdk_ec2::Client,
}

impl DefaultSecurityGroup {
    pub fn new(aws: &SdkConfig) -> Self {
        DefaultSecurityGroup {
            ec2: aws_sdk_ec2::Client::new(aws),
        }
    }
}

impl Fix for DefaultSecurityGroup {
    type State = Rules;

    async fn read(&self, target: &Target) -> Result<Rules> {
        let id = &target.resource;
        let out = self
            .ec2
            .describe_security_groups()
            .group_ids(id)
            .send()
            .await
            .map_err(|e| {
                if e.code() == Some("InvalidGroup.NotFound") {
                    Error::NotFound(format!("security group {id} does not exist"))
                } else {
                    Error::from_sdk(format!("EC2 DescribeSecurityGroups {id}"), e)
                }
            })?;
        let group = out
            .security_groups()
            .iter()
            .find(|g| {
                g.group_id() == Some(id.as_str())
                    && g.owner_id() == Some(target.account_id.as_str())
            })
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "security group {id} is not in account {}",
                    target.account_id
                ))
            })?;
        Ok(Rules {
            group_name: group.group_name().unwrap_or_default().to_owned(),
            vpc_id: group.vpc_id().unwrap_or_default().to_owned(),
            ingress: group.ip_permissions().iter().map(Rule::from_ec2).collect(),
            egress: group
                .ip_permissions_egress()
                .iter()
                .map(Rule::from_ec2)
                .collect(),
        })
    }

    fn fixed(&self, target: &Target, before: &Rules) -> Result<Rules> {
        if before.group_name != "default" {
            return Err(Error::InvalidInput(format!(
                "security group {} is '{}', not a VPC's default group: EC2.2 is about default \
                 groups only; nothing was changed",
                target.resource, before.group_name
            )));
        }
        Ok(Rules {
            ingress: Vec::new(),
            egress: Vec::new(),
            ..before.clone()
        })
    }

    async fn write(&self, target: &Target, before: &Rules, _: &Rules) -> Result<()> {
        let id = &target.resource;
        if !before.ingress.is_empty() {
            self.ec2
                .revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(before.ingress.iter().map(Rule::to_ec2).collect()))
                .send()
                .await
                .map_err(|e| Error::from_sdk(format!("EC2 RevokeSecurityGroupIngress {id}"), e))?;
        }
        if !before.egress.is_empty() {
            self.ec2
                .revoke_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(before.egress.iter().map(Rule::to_ec2).collect()))
                .send()
                .await
                .map_err(|e| Error::from_sdk(format!("EC2 RevokeSecurityGroupEgress {id}"), e))?;
        }
        Ok(())
    }

    fn change(&self, before: &Rules, _: &Rules) -> String {
        format!(
            "{} inbound and {} outbound rule{} removed from the default group of {}",
            before.ingress.len(),
            before.egress.len(),
            if before.egress.len() == 1 { "" } else { "s" },
            before.vpc_id
        )
    }
}

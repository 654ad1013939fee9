//! Lambda.1: Lambda function policies should prohibit public access. Removes, by their
//! statement ids, only the statements of the function's (unqualified) resource policy that let
//! anyone invoke it: an `Allow` to every principal that no source or organisation condition
//! narrows. Every other statement stays: each removal names one statement by its id.

use super::{Fix, Grant, and_list};
use crate::target::Target;
use serde::Serialize;
use serde_json::Value;
use shared::aws::SdkConfig;
use shared::input::shorten;
use shared::{Error, Result};

pub fn access(target: &Target) -> Vec<Grant> {
    let function = target.resource_id.clone();
    vec![
        Grant::read(
            &["lambda:GetFunctionConfiguration", "lambda:GetPolicy"],
            &function,
        ),
        Grant::write(&["lambda:RemovePermission"], function),
    ]
}

/// Condition keys that limit who may invoke to an account, a source or an organisation.
const NARROWING_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalarn",
];

/// Whether a policy statement lets anyone call the function.
pub fn is_public(statement: &Value) -> bool {
    let everyone = |p: &Value| match p {
        Value::String(s) => s == "*",
        Value::Array(items) => items.iter().any(|i| i == "*"),
        _ => false,
    };
    let principal = &statement["Principal"];
    let to_everyone = everyone(principal) || everyone(&principal["AWS"]);
    let narrowed = statement["Condition"].as_object().is_some_and(|operators| {
        operators.values().any(|keys| {
            keys.as_object().is_some_and(|keys| {
                keys.iter().any(|(key, value)| {
                    NARROWING_KEYS.contains(&key.to_ascii_lowercase().as_str())
                        && !value.to_string().contains('*')
                })
            })
        })
    });
    statement["Effect"] == "Allow" && to_everyone && !narrowed
}

/// The public statements, whole (what undoing re-adds), and the ids of the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statements {
    pub public: Vec<Value>,
    pub kept: Vec<String>,
}

pub struct PublicInvoke {
    pub lambda: aws_sdk_lambda::Client,
}

impl PublicInvoke {
    pub fn new(aws: &SdkConfig) -> Self {
        PublicInvoke {
            lambda: aws_sdk_lambda::Client::new(aws),
        }
    }

    /// The policy's statements; none when the function has no policy.
    async fn policy(&self, target: &Target) -> Result<Vec<Value>> {
        let function = &target.resource_id;
        match self
            .lambda
            .get_policy()
            .function_name(function)
            .send()
            .await
        {
            Ok(out) => {
                let text = out.policy.unwrap_or_default();
                let policy: Value = serde_json::from_str(&text).map_err(|e| {
                    Error::Aws(format!("the policy of {function} is not JSON: {e}"))
                })?;
                let statements = match &policy["Statement"] {
                    Value::Array(items) => items.clone(),
                    Value::Object(_) => vec![policy["Statement"].clone()],
                    _ => Vec::new(),
                };
                Ok(statements)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(Error::from_sdk(format!("Lambda GetPolicy {function}"), e)),
        }
    }
}

fn sid(statement: &Value) -> Option<&str> {
    statement["Sid"].as_str()
}

impl Fix for PublicInvoke {
    type State = Statements;

    async fn read(&self, target: &Target) -> Result<Statements> {
        let function = &target.resource_id;
        // GetPolicy answers "not found" both for a function without a policy and for no
        // function: the function is looked up first, so a missing one is not "compliant".
        self.lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception())
                {
                    Error::NotFound(format!("function {function} does not exist"))
                } else {
                    Error::from_sdk(format!("Lambda GetFunctionConfiguration {function}"), e)
                }
            })?;
        let statements = self.policy(target).await?;
        let (public, others): (Vec<Value>, Vec<Value>) =
            statements.into_iter().partition(is_public);
        Ok(Statements {
            public,
            kept: others
                .iter()
                .map(|s| sid(s).unwrap_or("(no id)").to_owned())
                .collect(),
        })
    }

    fn fixed(&self, target: &Target, before: &Statements) -> Result<Statements> {
        if let Some(anonymous) = before.public.iter().find(|s| sid(s).is_none()) {
            return Err(Error::InvalidInput(format!(
                "a public statement of {} has no statement id to remove it by ({}); nothing \
                 was changed",
                target.resource_id,
                shorten(&anonymous.to_string())
            )));
        }
        Ok(Statements {
            public: Vec::new(),
            kept: before.kept.clone(),
        })
    }

    async fn write(&self, target: &Target, before: &Statements, _: &Statements) -> Result<()> {
        let function = &target.resource_id;
        for statement in &before.public {
            let id = sid(statement).unwrap_or_default();
            self.lambda
                .remove_permission()
                .function_name(function)
                .statement_id(id)
                .send()
                .await
                .map_err(|e| {
                    Error::from_sdk(format!("Lambda RemovePermission {function} {id}"), e)
                })?;
        }
        Ok(())
    }

    fn change(&self, before: &Statements, _: &Statements) -> String {
        let ids: Vec<&str> = before.public.iter().filter_map(sid).collect();
        format!(
            "public statement{} {} removed, {} other statement{} kept",
            if ids.len() == 1 { "" } else { "s" },
            and_list(&ids),
            before.kept.len(),
            if before.kept.len() == 1 { "" } else { "s" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_statements_open_to_anyone_are_public() {
        let allow = |principal: Value, condition: Value| {
            json!({"Sid": "s", "Effect": "Allow", "Principal": principal,
                   "Action": "lambda:InvokeFunction", "Condition": condition})
        };
        for public in [
            allow(json!("*"), Value::Null),
            allow(json!({"AWS": "*"}), Value::Null),
            allow(json!({"AWS": ["arn:aws:iam::1:root", "*"]}), Value::Null),
            allow(
                json!("*"),
                json!({"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}),
            ),
            allow(
                json!("*"),
                json!({"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::*"}}),
            ),
        ] {
            assert!(is_public(&public), "{public}");
        }
        for private in [
            allow(json!({"Service": "s3.amazonaws.com"}), Value::Null),
            allow(
                json!({"AWS": "arn:aws:iam::111122223333:root"}),
                Value::Null,
            ),
            allow(
                json!("*"),
                json!({"StringEquals": {"AWS:SourceAccount": "111122223333"}}),
            ),
            allow(
                json!("*"),
                json!({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
            ),
            json!({"Sid": "d", "Effect": "Deny", "Principal": "*", "Action": "lambda:*"}),
        ] {
            assert!(!is_public(&private), "{private}");
        }
    }
}

//! The remediations the proxy may invoke: configuration (`ALLOWED_REMEDIATIONS`, from a template
//! parameter that also scopes the proxy's `lambda:InvokeFunction` permission), never the input.
//!
//! Entries are comma-separated `FUNCTION:QUALIFIER`, where `FUNCTION` is a name or an ARN and
//! `QUALIFIER` a version or alias: `arn:aws:lambda:eu-west-1:111122223333:function:remediate-finding:live`.

use shared::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// Name or ARN, as configured: the proxy invokes exactly this.
    pub function: String,
    pub qualifier: String,
}

impl Allowed {
    /// The function's name: the ARN's `function:NAME` part, or the name itself.
    pub fn name(&self) -> &str {
        self.function
            .split_once(":function:")
            .map_or(self.function.as_str(), |(_, name)| name)
    }
}

pub fn parse(value: &str) -> Result<Vec<Allowed>, Error> {
    let entries: Vec<Allowed> = value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let (function, qualifier) = entry
                .rsplit_once(':')
                .filter(|(f, q)| !f.is_empty() && !q.is_empty() && !f.ends_with(":function"))
                .ok_or_else(|| {
                    Error::Configuration(format!(
                        "ALLOWED_REMEDIATIONS entry '{entry}' is not FUNCTION:QUALIFIER (a version or alias)"
                    ))
                })?;
            Ok(Allowed {
                function: function.to_owned(),
                qualifier: qualifier.to_owned(),
            })
        })
        .collect::<Result<_, Error>>()?;
    if entries.is_empty() {
        return Err(Error::Configuration("ALLOWED_REMEDIATIONS is empty".into()));
    }
    Ok(entries)
}

/// The allowlisted entry a request names, by name or ARN, with the same qualifier.
pub fn find<'a>(allowed: &'a [Allowed], function: &str, qualifier: &str) -> Option<&'a Allowed> {
    allowed
        .iter()
        .find(|a| a.qualifier == qualifier && (a.function == function || a.name() == function))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:eu-west-1:111122223333:function:remediate-finding";

    #[test]
    fn entries_are_functions_with_a_qualifier() {
        let list = parse(&format!("{ARN}:live, local-fix:3")).unwrap();
        assert_eq!(list[0].function, ARN);
        assert_eq!(list[0].qualifier, "live");
        assert_eq!(list[0].name(), "remediate-finding");
        assert_eq!(list[1].name(), "local-fix");
        for bad in ["", "no-qualifier", ":live", "x:", ARN] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.error_type(), "ConfigurationError", "{bad}");
        }
    }

    #[test]
    fn a_request_matches_by_name_or_arn_and_the_same_qualifier() {
        let list = parse(&format!("{ARN}:live")).unwrap();
        assert!(find(&list, "remediate-finding", "live").is_some());
        assert!(find(&list, ARN, "live").is_some());
        assert!(find(&list, ARN, "$LATEST").is_none());
        assert!(find(&list, "remediate-finding-v2", "live").is_none());
        let other_account = ARN.replace("111122223333", "999999999999");
        assert!(find(&list, &other_account, "live").is_none());
    }
}

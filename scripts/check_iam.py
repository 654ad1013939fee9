"""Least privilege, checked: fails on any IAM statement in the templates that allows a wildcard
action, or a wildcard resource ("*", or "*" in place of an account or a bucket), unless the
statement's Sid is on the short allowlist below with the reason AWS requires it (the template
says the same in an `AWS-REQUIRED-WILDCARD` comment).

    python check_iam.py TEMPLATE...     prints each finding; exit status 1 if there is any
"""

import sys

import yaml

# Sid: (the actions it may grant on a wildcard resource, why AWS requires the wildcard)
ALLOWED = {
    "ListSessions": ({"glue:ListSessions"}, "glue:ListSessions has no resource-level permissions"),
    "DeliverLogs": (
        {
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        },
        "Step Functions log delivery to CloudWatch Logs has no resource-level permissions",
    ),
    "AssumeTheMemberRemediationRole": (
        {"sts:AssumeRole"},
        "a finding may come from any member account; the role name is fixed",
    ),
    "BucketPublicAccessBlock": (
        {"s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
        "any bucket of a member account may be the one a finding names",
    ),
}


class Loader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Sub, !Ref, ...) as {tag: value}."""


def _tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


Loader.add_multi_constructor("!", _tagged)


def as_list(value):
    return value if isinstance(value, list) else [value]


def strings(value):
    """Every plain string in a value, through !Sub, !If and lists."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for key, v in value.items():
            if key in ("Sub", "If", "Join"):
                yield from strings(v)


def is_wildcard_resource(text):
    return text == "*" or ":iam::*:" in text or text.endswith(":s3:::*")


def statements(template):
    """(resource name, statement) for every IAM policy statement in the template."""
    for name, resource in (template.get("Resources") or {}).items():
        props = resource.get("Properties") or {}
        policies = as_list(props.get("Policies") or [])
        for policy in policies:
            if not isinstance(policy, dict):
                continue
            document = policy.get("PolicyDocument", policy)
            for statement in as_list(document.get("Statement") or []):
                if isinstance(statement, dict):
                    yield name, statement


def check(path):
    with open(path) as f:
        template = yaml.load(f, Loader=Loader)
    problems = []
    for name, statement in statements(template):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid", "(no Sid)")
        actions = set(strings(statement.get("Action")))
        wild_actions = sorted(a for a in actions if "*" in a)
        wild_resources = sorted(r for r in strings(statement.get("Resource")) if is_wildcard_resource(r))
        if wild_actions:
            problems.append(f"{path}: {name} {sid}: wildcard action {', '.join(wild_actions)}")
        if wild_resources:
            allowed = ALLOWED.get(sid)
            if allowed is None:
                problems.append(f"{path}: {name} {sid}: wildcard resource {', '.join(wild_resources)} is not on the allowlist")
            elif not actions <= allowed[0]:
                extra = ", ".join(sorted(actions - allowed[0]))
                problems.append(f"{path}: {name} {sid}: {extra} on a wildcard resource is not on the allowlist")
    return problems


def main():
    problems = [p for path in sys.argv[1:] for p in check(path)]
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"IAM: no wildcard outside the allowlist in {', '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()

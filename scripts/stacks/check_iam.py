"""Least privilege, checked on what CloudFormation will create: each template goes through SAM's
transform first, so SAM policy templates, managed policy names and the roles SAM writes itself
are checked as deployed. Every branch of every `Fn::If` is checked. It fails on:

- identity policies (roles, `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`) that `Allow` with
  `NotAction` or `NotResource`, a wildcard action, or a wildcard resource ("*", "*" for an
  account or region, a resource part that is or ends in a partial "*"), unless the statement's
  Sid is on the allowlist below with exactly the actions and resources AWS requires;
- managed policies other than the few AWS ones on the allowlist (AdministratorAccess, ...);
- trust and resource policies (SQS, SNS, S3, KMS, ...) that `Allow` anyone, any account or a
  service without the conditions that pin the caller (`aws:SourceArn`, `aws:SourceAccount`,
  `aws:PrincipalOrgID`, `sts:ExternalId`), or use `NotPrincipal`;
- `AWS::Lambda::Permission` for "*", for a whole account, or for a service without
  `SourceArn` or `SourceAccount`;
- conditions whose value is "*" (they match everything);
- `sts:AssumeRole` on roles of any account (`iam::*`) without a condition, in every branch, that
  limits the account (`aws:ResourceOrgID`, `aws:ResourceOrgPaths`, `aws:ResourceAccount`);
- S3 actions on every bucket (`s3:::*`) without `s3:ResourceAccount` (or `aws:ResourceAccount`)
  in every branch: a bucket name is global, so a bucket of the same name in another account
  would be reached;
- template parameters that feed a resource or principal while their `AllowedPattern` (or
  `AllowedValues`) lets them hold "*" (or, for a principal, a whole account).

    python -m stacks.check_iam TEMPLATE...     prints each finding; exit status 1 if there is any
"""

import re
import re._constants as sre_constants
import re._parser as sre_parse
import sys

from stacks import cfn

_LOGS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
_XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}


def _crawl_keys(*keys):
    """`crawls/*/<key>` in the crawl bucket, as the crawler's template names it (created or given)."""
    return {
        f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}/crawls/*/{key}"
        for bucket in ("CrawlBucket", "CrawlBucketName")
        for key in keys
    }


# Sid: (the actions it may grant, the only wildcard resources it may name as written in the
# template, why AWS requires the wildcard). The template says the same in an
# `AWS-REQUIRED-WILDCARD` comment.
ALLOWED = {
    "ListSessions": ({"glue:ListSessions"}, {"*"}, "glue:ListSessions has no resource-level permissions"),
    "DeliverLogs": (_LOGS, {"*"}, "Step Functions log delivery to CloudWatch Logs has no resource-level permissions"),
    "SendTraces": (_XRAY, {"*"}, "X-Ray's trace and sampling actions have no resource-level permissions"),
    "AnswerApprovals": (
        {"states:SendTaskSuccess", "states:SendTaskFailure"},
        {"*"},
        "IAM cannot scope a callback task's token to a resource; the function URL's AWS_IAM auth decides who answers",
    ),
    "ReadEventHistory": ({"rds:DescribeEvents"}, {"*"}, "rds:DescribeEvents has no resource-level permissions"),
    "CreateTheSnapshots": (
        {"rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot"},
        {
            "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:snapshot:*-before-auto-stop-*",
            "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster-snapshot:*-before-auto-stop-*",
        },
        "a snapshot before a stop is named after the database, which may be any tagged one",
    ),
    "AssumeTheMemberRemediationRole": (
        {"sts:AssumeRole"},
        {"arn:${AWS::Partition}:iam::*:role/${RemediationRoleName}"},
        "a finding may come from any member account; the role name is fixed",
    ),
    # The crawl search: a run's index and its pages live under the crawl's name and run id,
    # which are chosen when a crawl starts; these name only the index's (and Kendra's) files
    # under them, narrower than the whole crawls/ prefix.
    "WriteIndexes": (
        {"s3:PutObject"},
        _crawl_keys("search/*", "search.json"),
        "a run's index is under its crawl's name and run id, chosen when the crawl starts",
    ),
    "ReadIndexes": (
        {"s3:GetObject"},
        _crawl_keys("search/index*", "search.json"),
        "a run's index is under its crawl's name and run id, chosen when the crawl starts",
    ),
    "WriteKendraMetadata": (
        {"s3:PutObject"},
        _crawl_keys("pages/*.html.metadata.json"),
        "a page's Kendra metadata sits beside it, under its crawl's name and run id",
    ),
    # The member remediation role, one statement per control of the catalogue: a finding may
    # name any resource of the account, in any Region; each session narrows it to that one.
    "S3Dot8BucketPublicAccessBlock": (
        {"s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
        {"arn:${AWS::Partition}:s3:::*"},
        "any bucket of a member account may be the one a finding names",
    ),
    "S3Dot5BucketPolicy": (
        {"s3:GetBucketPolicy", "s3:PutBucketPolicy"},
        {"arn:${AWS::Partition}:s3:::*"},
        "any bucket of a member account may be the one a finding names",
    ),
    "S3Dot1AccountPublicAccessBlock": (
        {"s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"},
        {"*"},
        "the account's Block Public Access has no resource ARN",
    ),
    "EC2Dot7EbsEncryptionByDefault": (
        {"ec2:GetEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault"},
        {"*"},
        "a Region's EBS encryption default has no resource ARN",
    ),
    "EC2Dot2DescribeSecurityGroups": (
        {"ec2:DescribeSecurityGroups"},
        {"*"},
        "ec2:DescribeSecurityGroups has no resource-level permissions",
    ),
    "EC2Dot2RevokeDefaultGroupRules": (
        {"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"},
        {"arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/*"},
        "the default group of any VPC of the account, in any Region",
    ),
    "IAMDot7PasswordPolicy": (
        {"iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy"},
        {"*"},
        "the account password policy has no resource ARN",
    ),
    "KMSDot4KeyRotation": (
        {"kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation"},
        {"arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"},
        "any key of the account, in any Region",
    ),
    "LambdaDot1FunctionPolicy": (
        {"lambda:GetFunctionConfiguration", "lambda:GetPolicy", "lambda:RemovePermission"},
        {"arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*"},
        "any function of the account, in any Region",
    ),
    "RDSDot2PublicAccess": (
        {"rds:DescribeDBInstances", "rds:ModifyDBInstance"},
        {"arn:${AWS::Partition}:rds:*:${AWS::AccountId}:db:*"},
        "any DB instance of the account, in any Region",
    ),
}

# AWS managed policies a role may have: (why).
ALLOWED_MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": "SAM attaches it to every function: its own logs",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": "SAM attaches it to traced functions: X-Ray writes have no resource-level permissions",
}

# Condition keys that pin who may use a resource or trust policy statement.
PINNING_KEYS = {
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:principalorgid",
    "aws:principalarn",
    "aws:principalaccount",
    "sts:externalid",
}

# Condition keys that limit the account of the resource acted on.
ACCOUNT_KEYS = {"aws:resourceorgid", "aws:resourceorgpaths", "aws:resourceaccount"}
BUCKET_ACCOUNT_KEYS = {"s3:resourceaccount", "aws:resourceaccount"}

RESOURCE_POLICIES = {
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::SecretsManager::ResourcePolicy": "ResourcePolicy",
    "AWS::ECR::Repository": "RepositoryPolicyText",
}


def as_list(value):
    return value if isinstance(value, list) else [value]


def branches(value):
    """Every value `value` may take, one per combination of `Fn::If` branches, lists flattened
    one level (a list item that is an `Fn::If` contributes both branches)."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        _, yes, no = value["Fn::If"]
        return branches(yes) + branches(no)
    if isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}:
        return []
    return [value]


def alternatives(value):
    """Every value `value` may take through `Fn::If` branches, None where a branch (or the value)
    is absent or `AWS::NoValue`."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        _, yes, no = value["Fn::If"]
        return alternatives(yes) + alternatives(no)
    if value is None or value == {"Ref": "AWS::NoValue"}:
        return [None]
    return [value]


def items(value):
    """The items of a list-valued property, through `Fn::If` branches."""
    found = []
    for v in branches(value):
        for item in as_list(v):
            found.extend(branches(item))
    return found


def texts(value):
    """(text, parameter names it depends on) for each string `value` may be: `Fn::Sub` text as
    written, `Ref` of a parameter as the parameter, `Fn::Join` pieces joined."""
    out = []
    for v in items(value):
        if isinstance(v, str):
            out.append((v, set()))
        elif isinstance(v, dict) and "Fn::Sub" in v:
            arg = v["Fn::Sub"]
            text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            refs = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", text)) - set(names)
            # One text per combination of what the names may be.
            alternatives = [(text, refs)]
            for key, sub in names.items():
                alternatives = [
                    (t.replace("${" + key + "}", sub_text), r | sub_refs)
                    for t, r in alternatives
                    for sub_text, sub_refs in texts(sub)
                ]
            out.extend(alternatives)
        elif isinstance(v, dict) and "Ref" in v:
            out.append(("${" + v["Ref"] + "}", {v["Ref"]}))
        elif isinstance(v, dict) and "Fn::Join" in v:
            sep, parts = v["Fn::Join"]
            joined = [texts(p) for p in as_list(parts)]
            out.append((sep.join(t for ts in joined for t, _ in ts), set().union(*(r for ts in joined for _, r in ts))))
        else:
            out.append((str(v), set()))
    return out


def wildcard_resource(text):
    """Why a resource ARN is a wildcard, or None."""
    if text == "*":
        return "every resource"
    plain = re.sub(r"\$\{[^}]*\}", "X", text)
    parts = plain.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        # `${Resource.Arn}:*`: the versions or objects of one resource of this template.
        if text.startswith("${") and text.endswith(("/*", ":*")) and "*" not in text[:-2]:
            return None
        return "a pattern" if "*" in plain else None
    if parts[3] == "*" or parts[4] == "*":
        return "any region or account"
    resource = parts[5]
    if resource == "*":
        return "every resource of the service"
    # A trailing "/*" or ":*" after a named parent (a bucket's objects, a function's versions,
    # one resource type) is the narrowest form AWS offers; any other "*" widens a name.
    stem = resource[:-2] if resource.endswith(("/*", ":*")) else resource
    if stem == "":
        return "every resource of the service"
    if "*" in stem:
        return "a partial name"
    return None


# Classes such as \D, \W and \S, which accept "*".
_NEGATED_CATEGORIES = (
    sre_constants.CATEGORY_NOT_DIGIT,
    sre_constants.CATEGORY_NOT_WORD,
    sre_constants.CATEGORY_NOT_SPACE,
)


def may_match(pattern, chars):
    """Whether an `AllowedPattern` accepts any of `chars` somewhere (a dot, a negated or
    matching class, or the character itself)."""
    codes = {ord(c) for c in chars}

    def class_has(items):
        negate = any(op is sre_constants.NEGATE for op, _ in items)
        hit = False
        for op, arg in items:
            if op is sre_constants.LITERAL and arg in codes:
                hit = True
            elif op is sre_constants.RANGE and any(arg[0] <= c <= arg[1] for c in codes):
                hit = True
            elif op is sre_constants.CATEGORY and arg in _NEGATED_CATEGORIES:
                hit = True
        return hit != negate

    def walk(parsed):
        for op, arg in parsed:
            if op is sre_constants.ANY:
                return True
            if op is sre_constants.LITERAL and arg in codes:
                return True
            if op is sre_constants.NOT_LITERAL and arg not in codes:
                return True
            if op is sre_constants.IN and class_has(arg):
                return True
            if op is sre_constants.CATEGORY and arg in _NEGATED_CATEGORIES:
                return True
            if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and walk(arg[2]):
                return True
            if op is sre_constants.SUBPATTERN and walk(arg[-1]):
                return True
            if op is sre_constants.BRANCH and any(walk(b) for b in arg[1]):
                return True
        return False

    return walk(sre_parse.parse(pattern))


class Checker:
    def __init__(self, path):
        self.path = path
        self.template = cfn.translate(cfn.load(path))
        self.parameters = self.template.get("Parameters") or {}
        self.problems = []

    def fail(self, where, message):
        self.problems.append(f"{self.path}: {where}: {message}")

    def check(self):
        for name, resource in (self.template.get("Resources") or {}).items():
            kind = resource.get("Type")
            props = resource.get("Properties") or {}
            if kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
                for policy in items(props.get("Policies") or []):
                    self.identity(name, policy.get("PolicyDocument") or {})
                for arn in items(props.get("ManagedPolicyArns") or []):
                    self.managed(name, arn)
                if kind == "AWS::IAM::Role":
                    self.resource_policy(name, props.get("AssumeRolePolicyDocument") or {}, trust=True)
            elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                self.identity(name, props.get("PolicyDocument") or {})
            elif kind in RESOURCE_POLICIES:
                document = props.get(RESOURCE_POLICIES[kind])
                if isinstance(document, dict):
                    self.resource_policy(name, document)
            elif kind == "AWS::Lambda::Permission":
                self.lambda_permission(name, props)
        return self.problems

    def statements(self, document):
        return [s for s in items(document.get("Statement") or []) if isinstance(s, dict)]

    def identity(self, name, document):
        for statement in self.statements(document):
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid", "(no Sid)")
            where = f"{name} {sid}"
            for key in ("NotAction", "NotResource"):
                if key in statement:
                    self.fail(where, f"Allow with {key} grants everything it does not name")
            actions = {t for t, _ in texts(statement.get("Action") or [])}
            wild_actions = sorted(a for a in actions if "*" in a)
            if wild_actions:
                self.fail(where, f"wildcard action {', '.join(wild_actions)}")
            allowed = ALLOWED.get(sid)
            for text, refs in texts(statement.get("Resource") or []):
                self.parameters_in(where, refs, principal=False)
                why = wildcard_resource(text)
                if why is None:
                    continue
                if allowed is None:
                    self.fail(where, f"wildcard resource {text} ({why}) is not on the allowlist")
                elif text not in allowed[1]:
                    self.fail(where, f"resource {text} is wider than the allowlist lets {sid} name")
                elif not actions <= allowed[0]:
                    extra = ", ".join(sorted(actions - allowed[0]))
                    self.fail(where, f"{extra} on a wildcard resource is not on the allowlist")
            self.conditions(where, statement.get("Condition"))
            self.account_limited(where, statement, actions)

    def account_limited(self, where, statement, actions):
        """AssumeRole on any account's roles, and S3 on every bucket, must name the accounts."""
        resources = [t for t, _ in texts(statement.get("Resource") or [])]
        plain = [re.sub(r"\$\{[^}]*\}", "X", r) for r in resources]
        any_account_role = any(re.fullmatch(r"arn:[^:]+:iam::\*:role/.*", r) for r in plain)
        every_bucket = any(re.fullmatch(r"arn:[^:]+:s3:::\*", r) for r in plain)
        for needed, applies, what in [
            (ACCOUNT_KEYS, any_account_role and any(a.lower() in ("sts:assumerole", "sts:*") for a in actions),
             "sts:AssumeRole on roles of any account without aws:ResourceOrgID or aws:ResourceAccount"),
            (BUCKET_ACCOUNT_KEYS, every_bucket and any(a.lower().startswith("s3:") for a in actions),
             "S3 actions on every bucket without s3:ResourceAccount"),
        ]:
            if applies and not all(self.has_key(c, needed) for c in alternatives(statement.get("Condition"))):
                self.fail(where, what)

    def has_key(self, condition, keys):
        """Whether a condition block (one branch) requires one of `keys`."""
        if not isinstance(condition, dict):
            return False
        return any(
            isinstance(pairs, dict) and "IfExists" not in operator and any(k.lower() in keys for k in pairs)
            for operator, pairs in condition.items()
        )

    def managed(self, name, arn):
        if isinstance(arn, dict) and "Ref" in arn and arn["Ref"] in self.template.get("Resources", {}):
            return  # a managed policy of this template: its document is checked itself
        text = arn if isinstance(arn, str) else texts(arn)[0][0]
        text = text.replace("${AWS::Partition}", "aws")
        if text not in ALLOWED_MANAGED:
            self.fail(name, f"managed policy {text} is not on the allowlist")

    def principals(self, principal):
        """(kind, text, parameter refs) of each principal a statement names."""
        if principal == "*":
            return [("AWS", "*", set())]
        out = []
        for kind, value in (principal or {}).items():
            for text, refs in texts(value):
                out.append((kind, text, refs))
        return out

    def resource_policy(self, name, document, trust=False):
        what = "trust policy" if trust else "resource policy"
        for statement in self.statements(document):
            if statement.get("Effect") != "Allow":
                continue
            where = f"{name} {statement.get('Sid', '(no Sid)')}"
            if "NotPrincipal" in statement:
                self.fail(where, f"Allow with NotPrincipal in a {what} trusts everyone it does not name")
            actions = {t for t, _ in texts(statement.get("Action") or [])}
            wild_actions = sorted(a for a in actions if "*" in a)
            if wild_actions:
                self.fail(where, f"wildcard action {', '.join(wild_actions)} in a {what}")
            pinned = self.pinning(statement.get("Condition"))
            for kind, text, refs in self.principals(statement.get("Principal")):
                self.parameters_in(where, refs, principal=kind == "AWS")
                if kind == "AWS" and (text == "*" or account_wide(text)) and not pinned:
                    self.fail(where, f"{what} allows {'anyone' if text == '*' else 'a whole account'} ({text}) without a condition pinning the caller")
                if kind == "Service" and not trust and not pinned:
                    self.fail(where, f"{what} allows {text} without aws:SourceArn or aws:SourceAccount")
                if kind == "Federated" and not statement.get("Condition"):
                    self.fail(where, f"{what} trusts {text} without a condition")
            self.conditions(where, statement.get("Condition"))

    def pinning(self, condition):
        for block in items(condition or {}):
            if not isinstance(block, dict):
                continue
            for operator, pairs in block.items():
                if isinstance(pairs, dict) and any(k.lower() in PINNING_KEYS for k in pairs) and "IfExists" not in operator:
                    return True
        return False

    def conditions(self, where, condition):
        for block in items(condition or {}):
            if not isinstance(block, dict):
                continue
            for operator, pairs in block.items():
                if not isinstance(pairs, dict):
                    continue
                for key, value in pairs.items():
                    if any(t == "*" for t, _ in texts(value)):
                        self.fail(where, f"condition {operator} {key} is \"*\", which matches everything")

    def lambda_permission(self, name, props):
        for text, refs in texts(props.get("Principal")):
            self.parameters_in(name, refs, principal=True)
            if text == "*":
                self.fail(name, "Lambda permission for anyone (\"*\")")
            elif account_wide(text):
                self.fail(name, f"Lambda permission for a whole account ({text}): name its role")
            elif text.endswith(".amazonaws.com") and not (props.get("SourceArn") or props.get("SourceAccount")):
                self.fail(name, f"Lambda permission for {text} without SourceArn or SourceAccount")

    def parameters_in(self, where, refs, principal):
        for ref in refs:
            spec = self.parameters.get(ref)
            if spec is None:
                continue
            values = [str(v) for v in as_list(spec.get("AllowedValues") or [])]
            pattern = spec.get("AllowedPattern")
            if values:
                bad = [v for v in values if "*" in v or (principal and account_wide(v))]
            elif pattern is None:
                bad = ["anything"]
            elif may_match(pattern, "*"):
                bad = ["\"*\""]
            elif principal and (re.fullmatch(pattern, cfn.ACCOUNT) or re.fullmatch(pattern, f"arn:aws:iam::{cfn.ACCOUNT}:root")):
                bad = ["a whole account"]
            else:
                bad = []
            if bad:
                self.fail(where, f"parameter {ref} may be {', '.join(bad)}: constrain it with an AllowedPattern")


def account_wide(text):
    """An account id, or an account's root: every principal of that account."""
    plain = re.sub(r"\$\{[^}]*\}", "X", text)
    return bool(re.fullmatch(r"\d{12}", plain) or re.fullmatch(r"arn:[^:]+:iam::(\d{12}|X)?:root", plain))


def main():
    problems = [p for path in sys.argv[1:] for p in Checker(path).check()]
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"IAM: least privilege in {', '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()

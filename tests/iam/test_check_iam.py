"""The IAM check itself: the project's templates pass, and each way of granting too much fails,
whether written as plain IAM, through SAM (policy templates, managed policy names), in a trust or
resource policy, or through a parameter."""

import glob
import json
import os
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from stacks import check_iam

TEMPLATES = [os.path.join(ROOT, "template.yaml"), *sorted(glob.glob(os.path.join(ROOT, "templates", "*.yaml")))]


def problems(*paths):
    return [p for path in paths for p in check_iam.Checker(path).check()]


def template(resources, parameters=None, sam=False):
    """A template file holding these resources; SAM's transform when `sam`."""
    body = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if sam:
        body["Transform"] = "AWS::Serverless-2016-10-31"
    if parameters:
        body["Parameters"] = parameters
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(body, f)
    return f.name


def role(statements=None, managed=None, trust=None):
    props = {
        "AssumeRolePolicyDocument": trust
        or {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    }
    if statements:
        props["Policies"] = [{"PolicyName": "p", "PolicyDocument": {"Statement": statements}}]
    if managed:
        props["ManagedPolicyArns"] = managed
    return {"Type": "AWS::IAM::Role", "Properties": props}


def function(policies):
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Runtime": "provided.al2023", "Handler": "bootstrap", "CodeUri": ".", "Policies": policies},
    }


def allow(action, resource, **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


SESSIONS = {"Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:session/*"}


class CheckIam(unittest.TestCase):
    def fails(self, path, *expected):
        found = "\n".join(problems(path))
        self.assertTrue(found, "the check passed")
        for text in expected:
            self.assertIn(text, found)

    def passes(self, path):
        self.assertEqual(problems(path), [])

    def test_the_templates_pass(self):
        self.assertEqual(problems(*TEMPLATES), [])

    def test_a_narrow_policy_passes(self):
        self.passes(template({"R": role([allow("glue:GetSession", SESSIONS)])}))

    def test_a_wildcard_resource_fails(self):
        self.fails(template({"R": role([allow("s3:GetObject", "*", Sid="Oops")])}), "Oops: wildcard resource * (every resource)")

    def test_a_wildcard_account_or_partial_name_fails(self):
        self.fails(
            template({"R": role([allow("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:*:function:x", Sid="AnyAccount")])}),
            "AnyAccount: wildcard resource arn:aws:lambda:us-east-1:*:function:x (any region or account)",
        )
        self.fails(
            template({"R": role([allow("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:prod-*", Sid="Prefix")])}),
            "(a partial name)",
        )

    def test_a_wildcard_action_fails(self):
        self.fails(template({"R": role([allow("glue:*", SESSIONS, Sid="TooBroad")])}), "TooBroad: wildcard action glue:*")

    def test_not_action_and_not_resource_fail(self):
        self.fails(
            template({"R": role([{"Sid": "Inverse", "Effect": "Allow", "NotAction": "iam:*", "Resource": SESSIONS}])}),
            "Inverse: Allow with NotAction",
        )
        self.fails(
            template({"R": role([{"Sid": "Inverse", "Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/x"}])}),
            "Inverse: Allow with NotResource",
        )

    def test_a_managed_policy_resource_is_checked(self):
        policy = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"PolicyDocument": {"Statement": [allow("s3:*", "*", Sid="Everything")]}},
        }
        self.fails(template({"P": policy}), "P Everything: wildcard action s3:*", "P Everything: wildcard resource *")

    def test_administrator_access_fails_as_an_arn_and_through_sam(self):
        self.fails(template({"R": role(managed=["arn:aws:iam::aws:policy/AdministratorAccess"])}), "managed policy arn:aws:iam::aws:policy/AdministratorAccess")
        self.fails(template({"F": function(["AdministratorAccess"])}, sam=True), "FRole: managed policy arn:aws:iam::aws:policy/AdministratorAccess")

    def test_sam_policy_templates_are_checked_as_expanded(self):
        self.fails(template({"F": function([{"S3CrudPolicy": {"BucketName": "*"}}])}, sam=True), "wildcard resource")
        # SAM's own LambdaInvokePolicy grants function:NAME*, every function whose name starts so.
        self.fails(template({"F": function([{"LambdaInvokePolicy": {"FunctionName": "worker"}}])}, sam=True), "(a partial name)")

    def test_a_resource_from_an_unconstrained_parameter_fails(self):
        parameters = {"Targets": {"Type": "CommaDelimitedList"}}
        self.fails(
            template({"R": role([allow("lambda:InvokeFunction", {"Ref": "Targets"}, Sid="FromParameter")])}, parameters),
            "FromParameter: parameter Targets may be anything",
        )
        loose = {"Targets": {"Type": "CommaDelimitedList", "AllowedPattern": "^arn:aws:lambda:.+$"}}
        self.fails(template({"R": role([allow("lambda:InvokeFunction", {"Ref": "Targets"})])}, loose), 'parameter Targets may be "*"')
        tight = {"Targets": {"Type": "CommaDelimitedList", "AllowedPattern": r"^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+$"}}
        self.passes(template({"R": role([allow("lambda:InvokeFunction", {"Ref": "Targets"})])}, tight))

    def test_an_allowlisted_sid_may_not_grow(self):
        self.fails(
            template({"R": role([allow(["glue:ListSessions", "glue:DeleteSession"], "*", Sid="ListSessions")])}),
            "glue:DeleteSession on a wildcard resource is not on the allowlist",
        )

    def test_an_allowlisted_sid_may_not_widen_its_resource(self):
        self.fails(
            template({"R": role([allow("sts:AssumeRole", "*", Sid="AssumeTheMemberRemediationRole")])}),
            "resource * is wider than the allowlist lets AssumeTheMemberRemediationRole name",
        )

    def test_assume_role_on_any_account_must_limit_the_account(self):
        resource = {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${RemediationRoleName}"}
        bare = allow("sts:AssumeRole", resource, Sid="AssumeTheMemberRemediationRole")
        self.fails(template({"R": role([bare])}), "sts:AssumeRole on roles of any account without aws:ResourceOrgID")
        # A branch without the condition is as bad as none.
        org = {"StringEquals": {"aws:ResourceOrgID": "o-a1b2c3d4e5"}}
        either = {**bare, "Condition": {"Fn::If": ["LimitToOrganization", org, {"Ref": "AWS::NoValue"}]}}
        self.fails(template({"R": role([either])}), "sts:AssumeRole on roles of any account")
        unrelated = {**bare, "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
        self.fails(template({"R": role([unrelated])}), "sts:AssumeRole on roles of any account")
        self.passes(template({"R": role([{**bare, "Condition": org}])}))
        accounts = {"StringEquals": {"aws:ResourceAccount": ["111122223333", "444455556666"]}}
        self.passes(template({"R": role([{**bare, "Condition": accounts}])}))
        self.passes(template({"R": role([allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/r")])}))

    def test_s3_on_every_bucket_must_name_the_account(self):
        resource = {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"}
        statement = allow(["s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"], resource, Sid="S3Dot8BucketPublicAccessBlock")
        self.fails(template({"R": role([statement])}), "S3Dot8BucketPublicAccessBlock: S3 actions on every bucket without s3:ResourceAccount")
        pinned = {**statement, "Condition": {"StringEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}}}
        self.passes(template({"R": role([pinned])}))
        if_exists = {**statement, "Condition": {"StringEqualsIfExists": {"s3:ResourceAccount": "111122223333"}}}
        self.fails(template({"R": role([if_exists])}), "without s3:ResourceAccount")

    def test_a_condition_matching_everything_fails(self):
        statement = allow("s3:ListBucket", "arn:aws:s3:::bucket", Sid="AnyPrefix", Condition={"StringLike": {"s3:prefix": "*"}})
        self.fails(template({"R": role([statement])}), 'AnyPrefix: condition StringLike s3:prefix is "*"')

    def test_a_trust_policy_for_anyone_or_a_whole_account_fails(self):
        for principal, text in [({"AWS": "*"}, "anyone"), ({"AWS": "arn:aws:iam::111122223333:root"}, "a whole account"), ("*", "anyone")]:
            trust = {"Statement": [{"Sid": "Trust", "Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}
            self.fails(template({"R": role(trust=trust)}), f"trust policy allows {text}")
        pinned = {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": "x"}},
                }
            ]
        }
        self.passes(template({"R": role(trust=pinned)}))

    def test_a_resource_policy_must_pin_its_caller(self):
        def queue_policy(statement):
            return {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": ["q"], "PolicyDocument": {"Statement": [statement]}}}

        anyone = {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:q"}
        self.fails(template({"Q": queue_policy(anyone)}), "Q Open: resource policy allows anyone")
        service = {**anyone, "Sid": "Events", "Principal": {"Service": "events.amazonaws.com"}}
        self.fails(template({"Q": queue_policy(service)}), "Q Events: resource policy allows events.amazonaws.com without aws:SourceArn")
        wide = {**service, "Sid": "AnyRule", "Condition": {"ArnLike": {"aws:SourceArn": "*"}}}
        self.fails(template({"Q": queue_policy(wide)}), 'AnyRule: condition ArnLike aws:SourceArn is "*"')
        pinned = {**service, "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/r"}}}
        self.passes(template({"Q": queue_policy(pinned)}))
        inverse = {**anyone, "Sid": "AllBut", "Principal": None, "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/x"}}
        del inverse["Principal"]
        self.fails(template({"Q": queue_policy(inverse)}), "AllBut: Allow with NotPrincipal")

    def test_lambda_permissions_must_name_a_caller(self):
        def permission(**props):
            return {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction", "FunctionName": "f", **props}}

        self.fails(template({"P": permission(Principal="sns.amazonaws.com")}), "P: Lambda permission for sns.amazonaws.com without SourceArn")
        self.fails(template({"P": permission(Principal="111122223333")}), "P: Lambda permission for a whole account (111122223333)")
        self.fails(template({"P": permission(Principal="*")}), 'P: Lambda permission for anyone ("*")')
        account = {"Caller": {"Type": "String", "AllowedPattern": r"^\d{12}$"}}
        self.fails(template({"P": permission(Principal={"Ref": "Caller"})}, account), "parameter Caller may be a whole account")
        self.passes(template({"P": permission(Principal="sns.amazonaws.com", SourceArn="arn:aws:sns:us-east-1:123456789012:t")}))
        self.passes(template({"P": permission(Principal="arn:aws:iam::111122223333:role/proxy")}))

    def test_every_value_a_sub_name_may_take_is_checked(self):
        resource = {"Fn::Sub": ["arn:aws:s3:::${Bucket}/data/*", {"Bucket": {"Fn::If": ["C", "reports", "*"]}}]}
        self.fails(template({"R": role([allow("s3:GetObject", resource, Sid="EitherBucket")])}), "EitherBucket: wildcard resource arn:aws:s3:::*/data/*")

    def test_every_branch_of_a_condition_is_checked(self):
        statement = {"Fn::If": ["C", allow("s3:GetObject", "arn:aws:s3:::b/x"), allow("s3:GetObject", "*", Sid="OtherBranch")]}
        path = template({"R": role([statement])})
        self.fails(path, "OtherBranch: wildcard resource *")


if __name__ == "__main__":
    unittest.main()

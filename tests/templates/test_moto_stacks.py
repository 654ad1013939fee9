"""Each workflow's stack created by moto's CloudFormation (in process, nothing listens), then read
back through the AWS APIs: what was really created, not only what the template says.

moto 5.2.5 cannot create these from a template: AWS::CloudWatch::Alarm,
AWS::Lambda::EventInvokeConfig, AWS::SQS::QueuePolicy, AWS::S3::BucketPolicy,
AWS::SNS::TopicPolicy, AWS::SNS::Subscription, AWS::Scheduler::Schedule, AWS::Glue::Database,
AWS::Glue::Table and
AWS::RDS::EventSubscription (`UNSUPPORTED`, asserted, so a moto that learns one fails here until
it is checked too); it ignores a bucket's LifecycleConfiguration and VersioningConfiguration, a function's Architectures and
a state machine's DefinitionS3Location, and fails on the Lambda version SAM publishes for an
alias, so the security remediation stack is not created here. test_templates.py checks all of
these from the template itself. It creates the nested notification topics stack, but cannot read
its outputs: `nested_output` below does, as CloudFormation would.
"""

import glob
import json
import logging
import os
import unittest
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import boto3
from moto import mock_aws
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack as MotoStack

from stacks import cfn

REGION = cfn.REGION
WORKFLOWS = ["glue-session-stop", "rds-auto-stop", "wordpress-raw-to-bronze", "web-crawler"]
EVERYTHING = {
    "wordpress-raw-to-bronze": {"WordPressEndpoints": "https://example.com/wp-json/wp/v2/posts"},
    "rds-auto-stop": {"RdsEventSubscription": "true"},
}
# moto logs each type it skips; `UNSUPPORTED` is what it skips.
logging.getLogger("moto.cloudformation.parsing").setLevel(logging.ERROR)
UNSUPPORTED = {
    "AWS::CloudWatch::Alarm",
    "AWS::Glue::Database",
    "AWS::Glue::Table",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::Scheduler::Schedule",
    "AWS::RDS::EventSubscription",
}


def nested_output(stack, attribute):
    """`Fn::GetAtt Nested.Outputs.Name`, which moto 5.2.5 leaves unimplemented; like
    CloudFormation, refuses an output the nested stack does not have."""
    name = attribute.removeprefix("Outputs.")
    output = stack.output_map.get(name) if attribute.startswith("Outputs.") else None
    if output is None:
        raise ValidationError(message=f"{stack.name} has no attribute {attribute}")
    return output.value


MotoStack.get_cfn_attribute = nested_output


def create(name, given):
    """Creates the stack in moto; returns what moto made, by logical id: (type, physical id), and
    the types of what the template asks for."""
    stack = cfn.Stack(os.path.join(ROOT, "templates", f"{name}.yaml"), given, name=name)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="code")
    s3.put_object(Bucket="code", Key="bootstrap.zip", Body=b"PK\x05\x06" + b"\0" * 18)
    for path in [*glob.glob(os.path.join(ROOT, "statemachines", "*")), os.path.join(ROOT, "templates", "notification-topics.yaml")]:
        with open(path, "rb") as f:
            s3.put_object(Bucket="code", Key=os.path.basename(path), Body=f.read())
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=json.dumps(stack.concrete()),
            Capabilities=["CAPABILITY_IAM"],
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()],
        )
    [described] = cloudformation.describe_stacks(StackName=name)["Stacks"]
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    summaries = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    made = {r["LogicalResourceId"]: (r["ResourceType"], r.get("PhysicalResourceId")) for r in summaries if r["LogicalResourceId"]}
    wanted = {n: r["Type"] for n, r in stack.resources.items()}
    return made, wanted


class MotoStacks(unittest.TestCase):
    def setUp(self):
        # In process: an endpoint of a moto server (the local stack's) would bypass the mock.
        os.environ.pop("AWS_ENDPOINT_URL", None)
        self.mock = mock_aws()
        self.mock.start()
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)

    def tearDown(self):
        self.mock.stop()

    def test_each_workflow_is_created_and_only_known_types_are_missing(self):
        for name in WORKFLOWS:
            with self.subTest(name):
                made, wanted = create(name, EVERYTHING.get(name, {}))
                missing = {wanted[n] for n in wanted if n not in made}
                self.assertLessEqual(missing, UNSUPPORTED, name)
                self.assertTrue({t for t, _ in made.values()} >= {"AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"})

    def test_rule_targets_have_their_dead_letter_queues(self):
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        checked = 0
        for name in WORKFLOWS:
            made, _ = create(name, EVERYTHING.get(name, {}))
            for kind, rule in made.values():
                if kind != "AWS::Events::Rule":
                    continue
                for target in events.list_targets_by_rule(Rule=rule)["Targets"]:
                    with self.subTest(f"{name} {rule}"):
                        self.assertIn("MaximumRetryAttempts", target["RetryPolicy"])
                        queue_arn = target["DeadLetterConfig"]["Arn"]
                        url = sqs.get_queue_url(QueueName=queue_arn.split(":")[-1])["QueueUrl"]
                        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                        self.assertEqual(attributes["SqsManagedSseEnabled"], "true")
                        checked += 1
        self.assertGreaterEqual(checked, 3)

    def test_buckets_are_encrypted(self):
        s3 = boto3.client("s3", region_name=REGION)
        buckets = []
        for name in ("wordpress-raw-to-bronze", "web-crawler"):
            made, _ = create(name, EVERYTHING.get(name, {}))
            buckets += [(logical, bucket) for logical, (kind, bucket) in made.items() if kind == "AWS::S3::Bucket"]
        self.assertEqual(len(buckets), 3)
        for logical, bucket in buckets:
            with self.subTest(logical):
                rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
                self.assertEqual(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")

    def test_functions_are_created_in_dry_run_with_their_settings(self):
        lam = boto3.client("lambda", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        topics = 0
        for name in WORKFLOWS:
            made, _ = create(name, EVERYTHING.get(name, {}))
            for logical, (kind, function) in made.items():
                if kind != "AWS::Lambda::Function":
                    continue
                with self.subTest(f"{name} {logical}"):
                    config = lam.get_function_configuration(FunctionName=function)
                    env = config.get("Environment", {}).get("Variables", {})
                    self.assertEqual(env.get("DRY_RUN", "true"), "true")
                    self.assertEqual(config["Runtime"], "provided.al2023")
                    self.assertEqual(config["TracingConfig"]["Mode"], "PassThrough")
                    # The topics come from the nested notification topics stack's outputs.
                    for variable in [v for v in env if v.endswith("TOPIC_ARN") and env[v]]:
                        sns.get_topic_attributes(TopicArn=env[variable])
                        topics += 1
        self.assertGreaterEqual(topics, 1)


if __name__ == "__main__":
    unittest.main()

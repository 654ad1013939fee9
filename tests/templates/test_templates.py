"""What a deployment creates, read from the templates as CloudFormation sees them (SAM's transform
applied offline, conditions evaluated, nested applications followed): each workflow's template on
its own, and the root with its defaults and with every switch on."""

import glob
import json
import os
import tomllib
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from stacks import cfn

ROOT_TEMPLATE = os.path.join(ROOT, "template.yaml")
WORKFLOWS = {
    "GlueSessionStop": "glue-session-stop",
    "RdsAutoStop": "rds-auto-stop",
    "WordPressRawToBronze": "wordpress-raw-to-bronze",
    "SecurityRemediation": "security-remediation",
    "WebCrawler": "web-crawler",
}
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ENDPOINTS = "https://example.com/wp-json/wp/v2/posts"


def workflow(name):
    return os.path.join(ROOT, "templates", f"{WORKFLOWS[name]}.yaml")


# The root with every workflow and every optional part switched on.
EVERYTHING = {
    **{name: "true" for name in WORKFLOWS},
    "WordPressEndpoints": ENDPOINTS,
    "RdsEventSubscription": "true",
    "NotificationEmail": "ops@example.com",
}


def stacks(path, **given):
    return list(cfn.Stack(path, given).all_stacks())


def created(all_stacks, kind):
    """(stack, name, properties) of every resource of this type in these stacks."""
    return [(s, name, props) for s in all_stacks for name, props in s.of_type(kind)]


def ref_name(value):
    """The logical id an unresolved `Ref` or `GetAtt` points at."""
    return str(value).strip("{}").split(".")[0]


# What each deployment below creates, by type and logical id, nested stacks included and the
# nested stack resources themselves left out (with the notification topics stack's placeholder,
# which creates nothing): moving a block into a shared nested template must leave it unchanged. After a deliberate change: UPDATE_RESOURCES=1 (then review its diff).
RESOURCES = os.path.join(ROOT, "tests", "templates", "resources.json")
NOT_CREATED = {"AWS::CloudFormation::Stack", cfn.PLACEHOLDER}
ALONE = {
    "WordPressRawToBronze": {"WordPressEndpoints": ENDPOINTS},
    "RdsAutoStop": {"RdsEventSubscription": "true"},
}


def deployments():
    """(label, template path, parameters): the root and each workflow alone, with their defaults
    and with every switch on and an email for the notifications."""
    yield "template.yaml", ROOT_TEMPLATE, {}
    yield "template.yaml with every switch on", ROOT_TEMPLATE, EVERYTHING
    for name, file in WORKFLOWS.items():
        yield f"templates/{file}.yaml", workflow(name), {}
        given = {**ALONE.get(name, {}), "NotificationEmail": "ops@example.com"}
        yield f"templates/{file}.yaml with {' '.join(sorted(given))}", workflow(name), given


def inventory():
    return {
        label: sorted(
            f"{r['Type']} {name}"
            for s in stacks(path, **given)
            for name, r in s.resources.items()
            if r["Type"] not in NOT_CREATED
        )
        for label, path, given in deployments()
    }


class SameResources(unittest.TestCase):
    def test_each_deployment_creates_the_resources_on_record(self):
        now = inventory()
        if os.environ.get("UPDATE_RESOURCES"):
            with open(RESOURCES, "w") as f:
                json.dump(now, f, indent=1)
                f.write("\n")
        with open(RESOURCES) as f:
            recorded = json.load(f)
        self.assertEqual(sorted(now), sorted(recorded))
        for label in now:
            with self.subTest(label):
                self.assertEqual(now[label], recorded[label])


class EachWorkflowAlone(unittest.TestCase):
    def test_each_deploys_with_its_defaults(self):
        for name in WORKFLOWS:
            with self.subTest(name):
                stack = cfn.Stack(workflow(name))
                self.assertTrue(stack.resources)

    def test_the_glue_workflow_creates_its_own_and_nothing_else(self):
        stack = cfn.Stack(workflow("GlueSessionStop"))
        kinds = sorted({r["Type"] for s in stack.all_stacks() for r in s.resources.values()} - NOT_CREATED)
        self.assertEqual(
            kinds,
            sorted(
                {
                    "AWS::CloudWatch::Alarm",
                    "AWS::Events::Rule",
                    "AWS::IAM::Role",
                    "AWS::Lambda::EventInvokeConfig",
                    "AWS::Lambda::Function",
                    "AWS::Lambda::Permission",
                    "AWS::Logs::LogGroup",
                    "AWS::SNS::Topic",
                    "AWS::SQS::Queue",
                    "AWS::SQS::QueuePolicy",
                    "AWS::StepFunctions::StateMachine",
                }
            ),
        )
        self.assertFalse([n for n in stack.resources if "Bucket" in n or "Crawl" in n or "WordPress" in n])

    def test_the_rds_sweep_runs_on_its_interval_with_the_trigger_s_age_limit(self):
        stack = cfn.Stack(workflow("RdsAutoStop"), {"RdsSweepMinutes": "30", "RdsMaxEventAgeMinutes": "45"})
        rules = {name: props for name, props in stack.of_type("AWS::Events::Rule")}
        self.assertEqual(rules["SweepRdsAutoStartsFunctionSweep"]["ScheduleExpression"], "rate(30 minutes)")
        functions = {name: props for name, props in stack.of_type("AWS::Lambda::Function")}
        for function in ("SweepRdsAutoStartsFunction", "StartRdsAutoStopFunction"):
            env = functions[function]["Environment"]["Variables"]
            self.assertEqual((env["SWEEP_MINUTES"], env["MAX_EVENT_AGE_MINUTES"]), ("30", "45"), function)
        # Snapshots are allowed only when asked for.
        def snapshot_actions(stack):
            [(_, role)] = [r for r in stack.of_type("AWS::IAM::Role") if r[0] == "CheckAndStopRdsFunctionRole"]
            return [s for s in json.dumps(role).split('"') if "Snapshot" in s]
        self.assertEqual(snapshot_actions(stack), [])
        with_snapshots = cfn.Stack(workflow("RdsAutoStop"), {"RdsSnapshotBeforeStop": "true"})
        self.assertIn("rds:CreateDBSnapshot", snapshot_actions(with_snapshots))

    def test_each_usage_report_has_a_rule_only_when_scheduled(self):
        for name, parameter in (("GlueSessionStop", "GlueUsageReportSchedule"), ("RdsAutoStop", "RdsUsageReportSchedule")):
            with self.subTest(name):
                def rules(**given):
                    return {n: p for n, p in cfn.Stack(workflow(name), given).of_type("AWS::Events::Rule")}
                self.assertNotIn("UsageReportRule", rules())
                rule = rules(**{parameter: "cron(0 7 * * ? *)"})["UsageReportRule"]
                self.assertEqual(rule["ScheduleExpression"], "cron(0 7 * * ? *)")
                [target] = rule["Targets"]
                self.assertEqual(json.loads(target["Input"]), {"usage_report": {"hours": 24}})
                self.assertIn("DeadLetterConfig", target)

    def test_the_wordpress_workflow_has_no_schedule_without_endpoints(self):
        alone = cfn.Stack(workflow("WordPressRawToBronze"))
        self.assertEqual(alone.of_type("AWS::Scheduler::Schedule"), [])
        self.assertNotIn("WordPressEndpointsParameterValue", alone.resources)
        given = cfn.Stack(workflow("WordPressRawToBronze"), {"WordPressEndpoints": ENDPOINTS})
        [(_, schedule)] = given.of_type("AWS::Scheduler::Schedule")
        self.assertEqual(schedule["State"], "ENABLED")
        existing = cfn.Stack(workflow("WordPressRawToBronze"), {"CreateLakehouseParameters": "false"})
        self.assertEqual(len(existing.of_type("AWS::Scheduler::Schedule")), 1, "the endpoints are already in SSM")

    def test_the_catalog_has_a_projected_table_per_content_type_over_its_bronze_partitions(self):
        stack = cfn.Stack(workflow("WordPressRawToBronze"))
        [(_, database)] = stack.of_type("AWS::Glue::Database")
        self.assertEqual(database["DatabaseInput"]["Name"], "wordpress_lakehouse")
        tables = {t["TableInput"]["Name"]: t["TableInput"] for _, t in stack.of_type("AWS::Glue::Table")}
        self.assertEqual(sorted(tables), sorted(["posts", "pages", "categories", "tags", "users", "comments", "media"]))
        for name, table in tables.items():
            with self.subTest(name):
                parameters = table["Parameters"]
                self.assertEqual(parameters["projection.enabled"], "true")
                self.assertEqual(parameters["projection.dt.type"], "date")
                self.assertEqual(table["PartitionKeys"], [{"Name": "dt", "Type": "string"}])
                location = str(parameters["storage.location.template"])
                self.assertIn(f"/wordpress_api/{name}/dt=${{dt}}/", location)
                self.assertIn(f"/wordpress_api/{name}/", str(table["StorageDescriptor"]["Location"]))
                self.assertIn({"Name": "id", "Type": "bigint"}, table["StorageDescriptor"]["Columns"])

    def test_the_application_password_is_read_only_when_named_and_decrypted_only_through_ssm(self):
        def extract(**given):
            stack = cfn.Stack(workflow("WordPressRawToBronze"), given)
            [function] = [p for n, p in stack.of_type("AWS::Lambda::Function") if n == "ExtractWordPressFunction"]
            [role] = [p for n, p in stack.of_type("AWS::IAM::Role") if n == "ExtractWordPressFunctionRole"]
            statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
            return function["Environment"]["Variables"], statements

        def readable(statements):
            return [r for s in statements if s["Action"] == "ssm:GetParameter" for r in s["Resource"]]

        variables, statements = extract()
        self.assertEqual(variables["AUTH_PARAMETER"], "")
        self.assertFalse([r for r in readable(statements) if "auth" in str(r)])
        self.assertFalse([s for s in statements if s["Action"] == "kms:Decrypt"])

        variables, statements = extract(WordPressAuthParameter="/wordpress/auth", WordPressAuthKmsKeyArn=KEY)
        self.assertEqual(variables["AUTH_PARAMETER"], "/wordpress/auth")
        self.assertTrue([r for r in readable(statements) if str(r).endswith(":parameter/wordpress/auth")])
        [decrypt] = [s for s in statements if s["Action"] == "kms:Decrypt"]
        self.assertEqual(decrypt["Resource"], KEY)
        condition = decrypt["Condition"]["StringEquals"]
        self.assertEqual(condition["kms:ViaService"], "ssm.us-east-1.amazonaws.com")
        self.assertTrue(condition["kms:EncryptionContext:PARAMETER_ARN"].endswith(":parameter/wordpress/auth"))

    def test_the_security_workflow_remediates_nothing_until_a_control_is_opted_in(self):
        stack = cfn.Stack(workflow("SecurityRemediation"))
        [(_, router)] = [(n, p) for n, p in stack.of_type("AWS::Lambda::Function") if n == "RouteFindingFunction"]
        self.assertEqual(router["Environment"]["Variables"]["REMEDIATED_CONTROLS"], "")
        opted = cfn.Stack(workflow("SecurityRemediation"), {"RemediatedControls": "S3.8"})
        [router] = [p for n, p in opted.of_type("AWS::Lambda::Function") if n == "RouteFindingFunction"]
        self.assertEqual(router["Environment"]["Variables"]["REMEDIATED_CONTROLS"], "S3.8")

    def test_the_remediation_may_be_invoked_by_the_proxy_role_only(self):
        for given in ({}, {"ProxyRoleArn": "arn:aws:iam::111122223333:role/proxy"}):
            stack = cfn.Stack(workflow("SecurityRemediation"), given)
            principals = [p["Principal"] for _, p in stack.of_type("AWS::Lambda::Permission")]
            self.assertEqual(principals, [given.get("ProxyRoleArn", "{RemediationProxyFunctionRole.Arn}")])


class TheRoot(unittest.TestCase):
    def test_no_parameter_is_required(self):
        for params in cfn.load(ROOT_TEMPLATE)["Parameters"].values():
            self.assertIn("Default", params)

    def test_defaults_deploy_no_security_hub_rule_and_no_wordpress_schedule(self):
        everything = stacks(ROOT_TEMPLATE)
        nested = {s.name for s in everything}
        self.assertNotIn("stack-SecurityRemediationApplication", nested)
        self.assertIn("stack-GlueSessionStopApplication", nested)
        sources = [str(p.get("EventPattern", {}).get("source")) for _, _, p in created(everything, "AWS::Events::Rule")]
        self.assertFalse([s for s in sources if "securityhub" in s])
        schedules = created(everything, "AWS::Scheduler::Schedule")
        self.assertEqual([(s.name, p["State"]) for s, _, p in schedules], [("stack-WebCrawlerApplication", "DISABLED")])

    def test_defaults_stop_and_change_nothing(self):
        for stack, name, props in created(stacks(ROOT_TEMPLATE, **EVERYTHING), "AWS::Lambda::Function"):
            env = props.get("Environment", {}).get("Variables", {})
            if "DRY_RUN" in env:
                with self.subTest(f"{stack.name} {name}"):
                    self.assertEqual(env["DRY_RUN"], "true")

    def test_with_every_switch_on_no_route_remediates_until_opted_in(self):
        everything = stacks(ROOT_TEMPLATE, **EVERYTHING)
        security = [s for s in everything if s.name == "stack-SecurityRemediationApplication"]
        self.assertEqual(len(security), 1)
        [router] = [p for n, p in security[0].of_type("AWS::Lambda::Function") if n == "RouteFindingFunction"]
        self.assertEqual(router["Environment"]["Variables"]["REMEDIATED_CONTROLS"], "")
        self.assertEqual(len(created(everything, "AWS::Scheduler::Schedule")), 2)

    def test_switching_a_workflow_off_removes_all_of_its_resources(self):
        for name in WORKFLOWS:
            with self.subTest(name):
                given = {**EVERYTHING, name: "false"}
                everything = stacks(ROOT_TEMPLATE, **given)
                self.assertNotIn(f"stack-{name}Application", {s.name for s in everything})
                root = everything[0]
                own = {r["Type"] for r in root.resources.values()}
                self.assertLessEqual(own, {"AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::CloudFormation::Stack"})

    def test_all_switches_off_create_nothing(self):
        root = cfn.Stack(ROOT_TEMPLATE, {name: "false" for name in WORKFLOWS})
        self.assertEqual(root.resources, {})

    def test_the_topics_are_created_once_and_passed_to_every_workflow(self):
        everything = stacks(ROOT_TEMPLATE, **EVERYTHING)
        topics = [(s.name, n) for s, n, _ in created(everything, "AWS::SNS::Topic")]
        shared = [t for t in topics if t[0] == "stack-NotificationTopics"]
        self.assertEqual(sorted(n for _, n in shared), ["FailureTopic", "SuccessTopic"])
        # Each workflow's own notification topics stack creates none; only the topics that belong
        # to one workflow remain in the nested stacks.
        self.assertEqual(
            sorted(n for s, n in topics if s != "stack-NotificationTopics"),
            ["LakehouseBronzeTopic", "LakehouseRawTopic", "RdsEventTopic", "SecurityFindingsTopic"],
        )
        for stack in everything[0].nested().values():
            if "NotificationTopics" in stack.resources:
                with self.subTest(stack.name):
                    passed = stack.resolve(stack.resources["NotificationTopics"]["Properties"]["Parameters"])
                    self.assertEqual(passed["FailureTopicArn"], "{FailureTopic}")

    def test_a_workflow_alone_creates_its_own_topics_or_uses_the_ones_given(self):
        given = "arn:aws:sns:us-east-1:123456789012:ops-failures"
        for name, kinds in (("GlueSessionStop", ["FailureTopic", "SuccessTopic"]), ("SecurityRemediation", ["FailureTopic"])):
            with self.subTest(name):
                alone = cfn.Stack(workflow(name))
                [topics] = [s for s in alone.all_stacks() if s.name == "stack-NotificationTopics"]
                self.assertEqual(sorted(n for n, _ in topics.of_type("AWS::SNS::Topic")), kinds)
                with_given = cfn.Stack(workflow(name), {"FailureTopicArn": given})
                alarms = [p["AlarmActions"] for _, p in with_given.of_type("AWS::CloudWatch::Alarm")]
                self.assertTrue(alarms)
                self.assertTrue(all(actions == [given] for actions in alarms), alarms)

    def test_names_the_templates_choose_fit_aws_limits_in_a_nested_stack(self):
        limits = {"AWS::StepFunctions::StateMachine": ("StateMachineName", 80), "AWS::Scheduler::Schedule": ("Name", 64)}
        long_root = "a-root-stack-name-of-forty-characters-xx"
        for stack in cfn.Stack(ROOT_TEMPLATE, EVERYTHING, name=long_root).all_stacks():
            for kind, (key, limit) in limits.items():
                for name, props in stack.of_type(kind):
                    if key in props:
                        with self.subTest(f"{stack.name} {name}"):
                            self.assertLessEqual(len(props[key]), limit, props[key])
                            self.assertNotIn("{", props[key])

    def test_the_root_passes_every_parameter_with_the_same_constraints(self):
        root = cfn.load(ROOT_TEMPLATE)
        for name, file in WORKFLOWS.items():
            nested = cfn.load(workflow(name))["Parameters"]
            passed = root["Resources"][f"{name}Application"]["Properties"]["Parameters"]
            with self.subTest(name):
                self.assertEqual(set(passed), set(nested))
                for param, spec in nested.items():
                    if param in ("SuccessTopicArn", "FailureTopicArn") or param not in root["Parameters"]:
                        continue
                    mine = root["Parameters"][param]
                    for key in ("Default", "AllowedValues", "AllowedPattern", "MinValue", "MaxValue"):
                        self.assertEqual(str(mine.get(key)), str(spec.get(key)), f"{param}.{key}")


class NothingLostBetweenServices(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.everything = stacks(ROOT_TEMPLATE, **EVERYTHING)
        cls.alone = [cfn.Stack(workflow(name), {"WordPressEndpoints": ENDPOINTS} if name == "WordPressRawToBronze" else {}) for name in WORKFLOWS]

    def each_stack(self):
        return [*self.everything, *self.alone]

    def test_every_rule_target_has_a_retry_policy_and_a_dead_letter_queue(self):
        rules = created(self.each_stack(), "AWS::Events::Rule")
        self.assertGreaterEqual(len(rules), 8)
        for stack, name, props in rules:
            for target in props["Targets"]:
                with self.subTest(f"{stack.name} {name}"):
                    self.assertIn("RetryPolicy", target)
                    queue = ref_name(target["DeadLetterConfig"]["Arn"])
                    self.assertEqual(stack.resources[queue]["Type"], "AWS::SQS::Queue")

    def test_every_schedule_has_a_retry_policy_and_a_dead_letter_queue(self):
        schedules = created(self.each_stack(), "AWS::Scheduler::Schedule")
        self.assertGreaterEqual(len(schedules), 4)
        for stack, name, props in schedules:
            with self.subTest(f"{stack.name} {name}"):
                self.assertIn("MaximumRetryAttempts", props["Target"]["RetryPolicy"])
                queue = ref_name(props["Target"]["DeadLetterConfig"]["Arn"])
                self.assertEqual(stack.resources[queue]["Type"], "AWS::SQS::Queue")

    def test_every_function_invoked_asynchronously_has_an_on_failure_destination(self):
        for stack in self.each_stack():
            asynchronous = set()
            for _, props in stack.of_type("AWS::Events::Rule"):
                for target in props["Targets"]:
                    asynchronous.add(ref_name(target["Arn"]))
            for _, props in stack.of_type("AWS::SNS::Subscription"):
                if props["Protocol"] == "lambda":
                    asynchronous.add(ref_name(props["Endpoint"]))
            functions = {n for n, r in stack.resources.items() if r["Type"] == "AWS::Lambda::Function"}
            asynchronous &= functions
            configured = {
                ref_name(p["FunctionName"]): p for _, p in stack.of_type("AWS::Lambda::EventInvokeConfig")
            }
            for function in asynchronous:
                with self.subTest(f"{stack.name} {function}"):
                    queue = ref_name(configured[function]["DestinationConfig"]["OnFailure"]["Destination"])
                    self.assertEqual(stack.resources[queue]["Type"], "AWS::SQS::Queue")
        self.assertTrue(any("StartRdsAutoStopFunction" in s.resources for s in self.each_stack()))

    def test_every_queue_is_encrypted_and_alarmed_with_how_to_replay(self):
        queues = created(self.each_stack(), "AWS::SQS::Queue")
        self.assertGreaterEqual(len(queues), 7)
        for stack, name, props in queues:
            with self.subTest(f"{stack.name} {name}"):
                self.assertTrue(props.get("SqsManagedSseEnabled") or props.get("KmsMasterKeyId"))
                alarms = [
                    p
                    for _, p in stack.of_type("AWS::CloudWatch::Alarm")
                    if p["Namespace"] == "AWS/SQS"
                    and p["MetricName"] == "ApproximateNumberOfMessagesVisible"
                    and [ref_name(d["Value"]) for d in p["Dimensions"]] == [name]
                ]
                self.assertEqual(len(alarms), 1)
                self.assertEqual((alarms[0]["Threshold"], alarms[0]["ComparisonOperator"]), (0, "GreaterThanThreshold"))
                self.assertIn("Replay", alarms[0]["AlarmDescription"])
                self.assertTrue(alarms[0]["AlarmActions"])

    def test_event_patterns_accept_only_this_account(self):
        for stack, name, props in created(self.each_stack(), "AWS::Events::Rule"):
            if "EventPattern" in props:
                with self.subTest(f"{stack.name} {name}"):
                    self.assertEqual(props["EventPattern"]["account"], [cfn.ACCOUNT])

    def test_the_glue_rule_passes_the_event_whole(self):
        [(_, _, rule)] = [r for r in created(self.alone, "AWS::Events::Rule") if r[1] == "GlueSessionStopStateMachineCreateSession"]
        for key in ("Input", "InputPath", "InputTransformer"):
            self.assertNotIn(key, rule["Targets"][0])


class Search(unittest.TestCase):
    def statements(self, stack, role):
        policies = dict(stack.of_type("AWS::IAM::Role"))[role].get("Policies") or []
        return [s for p in policies for s in p["PolicyDocument"]["Statement"]]

    def test_by_default_no_function_url_and_no_kendra(self):
        stack = cfn.Stack(workflow("WebCrawler"))
        self.assertEqual(list(stack.of_type("AWS::Lambda::Url")), [])
        functions = dict(stack.of_type("AWS::Lambda::Function"))
        self.assertEqual(functions["IndexCrawlFunction"]["Environment"]["Variables"]["KENDRA_METADATA"], "false")
        sids = {s.get("Sid") for role in ("IndexCrawlFunctionRole", "WebCrawlerStateMachineRole") for s in self.statements(stack, role)}
        self.assertNotIn("SyncKendra", sids)
        self.assertNotIn("WriteKendraMetadata", sids)

    def test_the_switch_gives_search_an_iam_authenticated_url(self):
        stack = cfn.Stack(workflow("WebCrawler"), {"SearchFunctionUrl": "true"})
        urls = [props for _, props in stack.of_type("AWS::Lambda::Url")]
        self.assertEqual(len(urls), 1)
        self.assertEqual(urls[0]["AuthType"], "AWS_IAM")
        self.assertEqual(ref_name(urls[0]["TargetFunctionArn"]), "SearchCrawlFunction")
        self.assertEqual(list(stack.of_type("AWS::Lambda::Permission")), [])

    def test_kendra_named_writes_metadata_and_may_sync_only_that_data_source(self):
        index, source = "a" * 8 + "-1111-2222-3333-" + "b" * 12, "c" * 8 + "-1111-2222-3333-" + "d" * 12
        stack = cfn.Stack(workflow("WebCrawler"), {"KendraIndexId": index, "KendraDataSourceId": source})
        functions = dict(stack.of_type("AWS::Lambda::Function"))
        self.assertEqual(functions["IndexCrawlFunction"]["Environment"]["Variables"]["KENDRA_METADATA"], "true")
        sync = [s for s in self.statements(stack, "WebCrawlerStateMachineRole") if s.get("Sid") == "SyncKendra"]
        self.assertEqual(len(sync), 1)
        self.assertEqual(sync[0]["Action"], "kendra:StartDataSourceSyncJob")
        self.assertTrue(all(source in json.dumps(r) or r == sync[0]["Resource"][0] for r in sync[0]["Resource"]))
        self.assertIn(index, json.dumps(sync[0]["Resource"]))


class TracingAndData(unittest.TestCase):
    def test_tracing_turns_on_x_ray_everywhere(self):
        for value, mode, enabled in (("true", "Active", True), ("false", "PassThrough", False)):
            everything = stacks(ROOT_TEMPLATE, **EVERYTHING, Tracing=value)
            functions = created(everything, "AWS::Lambda::Function")
            machines = created(everything, "AWS::StepFunctions::StateMachine")
            self.assertEqual(len(functions), 14)
            self.assertEqual(len(machines), 5)
            for stack, name, props in functions:
                self.assertEqual(props["TracingConfig"]["Mode"], mode, f"{stack.name} {name}")
            for stack, name, props in machines:
                self.assertEqual(props["TracingConfiguration"]["Enabled"], enabled, f"{stack.name} {name}")

    def test_every_bucket_is_encrypted_tls_only_and_drops_incomplete_uploads(self):
        everything = stacks(ROOT_TEMPLATE, **EVERYTHING)
        buckets = created(everything, "AWS::S3::Bucket")
        self.assertEqual(sorted(n for _, n, _ in buckets), ["CrawlBucket", "LakehouseBronzeBucket", "LakehouseRawBucket"])
        for stack, name, props in buckets:
            with self.subTest(name):
                self.assertTrue(props["BucketEncryption"]["ServerSideEncryptionConfiguration"])
                rules = props["LifecycleConfiguration"]["Rules"]
                self.assertTrue([r for r in rules if r.get("AbortIncompleteMultipartUpload")])
                [policy] = [p for _, p in stack.of_type("AWS::S3::BucketPolicy") if ref_name(p["Bucket"]) == name]
                [deny] = policy["PolicyDocument"]["Statement"]
                self.assertEqual((deny["Effect"], deny["Condition"]), ("Deny", {"Bool": {"aws:SecureTransport": "false"}}))

    def test_the_raw_bucket_keeps_previous_versions_for_the_chosen_days(self):
        stack = cfn.Stack(workflow("WordPressRawToBronze"), {"RawNoncurrentVersionDays": "45"})
        [(_, raw)] = [(n, p) for n, p in stack.of_type("AWS::S3::Bucket") if n == "LakehouseRawBucket"]
        self.assertEqual(raw["VersioningConfiguration"], {"Status": "Enabled"})
        [keep] = [r for r in raw["LifecycleConfiguration"]["Rules"] if "NoncurrentVersionExpiration" in r]
        self.assertEqual(keep["NoncurrentVersionExpiration"]["NoncurrentDays"], "45")

    def test_a_topic_key_encrypts_every_topic_and_lets_publishers_use_it(self):
        everything = stacks(ROOT_TEMPLATE, **EVERYTHING, TopicKmsKeyArn=KEY)
        topics = created(everything, "AWS::SNS::Topic")
        self.assertEqual(len(topics), 6)
        for stack, name, props in topics:
            self.assertEqual(props["KmsMasterKeyId"], KEY, f"{stack.name} {name}")
        for stack, name, props in created(everything, "AWS::IAM::Role"):
            statements = [s for p in props.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
            if any(s["Action"] == "sns:Publish" for s in statements):
                self.assertTrue([s for s in statements if s.get("Resource") == KEY], f"{stack.name} {name}")
        without = stacks(ROOT_TEMPLATE, **EVERYTHING)
        self.assertFalse([p for _, _, p in created(without, "AWS::SNS::Topic") if "KmsMasterKeyId" in p])


class Samconfig(unittest.TestCase):
    def test_samconfig_builds_each_workflow_and_never_turns_dry_run_off(self):
        with open(os.path.join(ROOT, "samconfig.toml"), "rb") as f:
            config = tomllib.load(f)
        for env, sections in config.items():
            if not isinstance(sections, dict):
                continue
            template = sections["build"]["parameters"]["template_file"]
            self.assertTrue(os.path.exists(os.path.join(ROOT, template)), f"{env}: {template}")
            deploy = sections.get("deploy", {}).get("parameters", {})
            self.assertNotIn("DryRun", deploy.get("parameter_overrides", ""), env)
            # CloudFormation refuses a nested application without this capability.
            resources = cfn.load(os.path.join(ROOT, template))["Resources"].values()
            if any(r["Type"] == "AWS::Serverless::Application" for r in resources):
                self.assertIn("CAPABILITY_AUTO_EXPAND", deploy["capabilities"].split(), env)
        self.assertEqual(
            sorted(e for e in config if e != "version"),
            sorted(["default", *WORKFLOWS.values()]),
        )

    def test_every_workflow_template_is_listed(self):
        found = {os.path.basename(p)[:-5] for p in glob.glob(os.path.join(ROOT, "templates", "*.yaml"))}
        self.assertEqual(found - {"remediation-member-role", "notification-topics"}, set(WORKFLOWS.values()))


if __name__ == "__main__":
    unittest.main()

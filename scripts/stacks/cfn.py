"""Reads the project's templates as CloudFormation will see them: SAM's transform applied offline
(the same translator `sam deploy` runs), then, for a set of parameter values, the resources a
deployment would create, nested applications included. Used by the IAM check and the template
tests.
"""

import copy
import json
import os

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from cfnlint.data import Serverless  # noqa: E402
from cfnlint.helpers import load_resource  # noqa: E402
from samtranslator.parser.parser import Parser  # noqa: E402
from samtranslator.translator.translator import Translator  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
STACK_UUID = "51af3dc0-da77-11e4-872e-1234567db123"

# SAM's translator resolves managed policy names (`Policies: [AmazonS3FullAccess]`) through this
# map, which cfn-lint ships, instead of calling IAM.
_MANAGED_POLICIES = load_resource(Serverless, "ManagedPolicies.json")

# What a stack holds only so that a stack that would otherwise create nothing is valid
# (templates/notification-topics.yaml): it creates no AWS resource.
PLACEHOLDER = "AWS::CloudFormation::WaitConditionHandle"


def load(path):
    """The template at `path`, with short-form tags read as their `Fn::` forms."""
    with open(path) as f:
        return yaml_parse(f.read())


def is_sam(template):
    transform = template.get("Transform") or []
    return "AWS::Serverless-2016-10-31" in (transform if isinstance(transform, list) else [transform])


def translate(template):
    """Plain CloudFormation, as SAM's transform makes it. Local code and definition paths become
    placeholder S3 locations (the translator accepts no local paths; `sam build` and
    `sam package` upload them)."""
    if not is_sam(template):
        return copy.deepcopy(template)
    template = copy.deepcopy(template)
    function_globals = (template.get("Globals") or {}).get("Function") or {}
    function_globals.pop("CodeUri", None)
    for resource in template.get("Resources", {}).values():
        props = resource.setdefault("Properties", {})
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            props["CodeUri"] = "s3://code/bootstrap.zip"
        elif kind == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str):
            props["DefinitionUri"] = "s3://code/" + os.path.basename(props["DefinitionUri"])
        elif kind == "AWS::Serverless::Application" and isinstance(props.get("Location"), str):
            props["Location"] = "https://s3.amazonaws.com/code/" + os.path.basename(props["Location"])
    translator = Translator(managed_policy_map=_MANAGED_POLICIES, sam_parser=Parser())
    return translator.translate(sam_template=template, parameter_values={}, passthrough_metadata=True)


class Unresolved(str):
    """A value only known at deploy time (an ARN of a resource, an attribute)."""


def parameter_values(template, given):
    """Every parameter's value: `given`, or its default. A parameter without either is an
    error, since CloudFormation would refuse to deploy."""
    values = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if name in given:
            value = given[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise ValueError(f"parameter {name} has no default and was not given")
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            value = [v.strip() for v in value.split(",")] if value else [""]
        values[name] = value if isinstance(value, list) else str(value)
    unknown = set(given) - set(values)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}")
    return values


class Stack:
    """One deployment of a template with parameter values: its conditions, and the resources it
    would create with their properties resolved as far as the values allow."""

    def __init__(self, path, given=None, name="stack", stack_name=None):
        self.path = path
        self.name = name
        # What AWS::StackName would be: CloudFormation names a nested stack
        # <parent>-<logical id>-<13 random characters>.
        self.stack_name = stack_name or name
        self.source = load(path)
        self.template = translate(self.source)
        self.parameters = parameter_values(self.template, given or {})
        self._children = {}
        self.conditions = {}
        for cond in self.template.get("Conditions") or {}:
            self.condition(cond)
        self.resources = {
            name: resource
            for name, resource in (self.template.get("Resources") or {}).items()
            if self.condition(resource.get("Condition")) is not False
        }

    def condition(self, name):
        if name is None:
            return True
        if name not in self.conditions:
            self.conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self.conditions[name]

    def resolve(self, value):
        """`value` with parameters, pseudo-parameters and conditions filled in; references to
        resources become `Unresolved` strings; `AWS::NoValue` removes the key or item."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [i for i in items if i is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if key == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                return str(a) == str(b) if not isinstance(a, list) else a == b
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(x) for x in arg)
            if key == "Fn::Or":
                return any(self.resolve(x) for x in arg)
            if key == "Fn::Join":
                sep, items = arg
                items = self.resolve(items)
                return sep.join(str(i) for i in items)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(index)]
            if key == "Fn::GetAtt":
                target = arg if isinstance(arg, list) else arg.split(".", 1)
                output = self._output(*target)
                return Unresolved(f"{{{target[0]}.{target[1]}}}") if output is None else output
            if key.startswith("Fn::"):
                return Unresolved(json.dumps(value))
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _output(self, resource, attribute):
        """A nested stack's output (`GetAtt Child.Outputs.Name`) as that stack resolves it, or
        None for any other attribute."""
        if not attribute.startswith("Outputs.") or resource not in self._nested_names():
            return None
        child = self._child(resource)
        output = (child.template.get("Outputs") or {}).get(attribute.removeprefix("Outputs."))
        if output is None or not child.condition(output.get("Condition")):
            raise ValueError(f"{child.path} has no output {attribute} in this deployment")
        return child.resolve(output["Value"])

    def _ref(self, name):
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{self.stack_name}/{STACK_UUID}",
            "AWS::NoValue": _NO_VALUE,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return Unresolved(f"{{{name}}}")

    def _sub(self, arg):
        text, names = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
        out, i = [], 0
        while i < len(text):
            start = text.find("${", i)
            if start < 0:
                out.append(text[i:])
                break
            end = text.index("}", start)
            out.append(text[i:start])
            key = text[start + 2 : end]
            if key.startswith("!"):
                out.append("${" + key[1:] + "}")
            elif key in names:
                out.append(str(names[key]))
            elif "." in key and key.split(".")[0] in (self.template.get("Resources") or {}):
                out.append(f"{{{key}}}")
            else:
                out.append(str(self._ref(key)))
            i = end + 1
        return "".join(out)

    def concrete(self):
        """The translated template with this deployment's conditions applied: resources and
        `Fn::If` branches not taken are gone, so a stricter engine (moto's CloudFormation) sees
        what CloudFormation would create. Other intrinsics stay for that engine to resolve."""

        def choose(value):
            if isinstance(value, list):
                return [c for c in (choose(v) for v in value) if c is not _NO_VALUE]
            if not isinstance(value, dict):
                return value
            if set(value) == {"Fn::If"}:
                cond, yes, no = value["Fn::If"]
                return choose(yes if self.condition(cond) else no)
            if value == {"Ref": "AWS::NoValue"}:
                return _NO_VALUE
            chosen = {k: choose(v) for k, v in value.items() if k != "Condition"}
            return {k: v for k, v in chosen.items() if v is not _NO_VALUE}

        template = {k: v for k, v in self.template.items() if k not in ("Conditions", "Resources", "Outputs", "Rules")}
        template["Resources"] = {name: choose(r) for name, r in self.resources.items()}
        return template

    def of_type(self, kind):
        """(name, resolved properties) of every created resource of this type."""
        return [
            (name, self.resolve(r.get("Properties") or {}))
            for name, r in self.resources.items()
            if r.get("Type") == kind
        ]

    def nested(self):
        """The stacks of this stack's nested applications, each created with the parameter
        values this stack passes (resolved; values only known at deploy time stay symbolic)."""
        return {name: self._child(name) for name in self._nested_names()}

    def _nested_names(self):
        return [n for n, r in self.resources.items() if r.get("Type") == "AWS::CloudFormation::Stack"]

    def _child(self, name):
        if name not in self._children:
            location = self.source["Resources"][name]["Properties"]["Location"]
            path = os.path.join(os.path.dirname(self.path), location)
            given = self.resolve(self.resources[name]["Properties"].get("Parameters") or {})
            self._children[name] = Stack(
                path,
                {k: str(v) for k, v in given.items()},
                name=f"{self.name}-{name}",
                stack_name=f"{self.stack_name}-{name}-1A2B3C4D5E6F7",
            )
        return self._children[name]

    def all_stacks(self):
        """This stack and every nested one, depth first."""
        yield self
        for child in self.nested().values():
            yield from child.all_stacks()


_NO_VALUE = object()

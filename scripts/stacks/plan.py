"""What deploying a template with these parameters would create, offline: SAM's transform, the
conditions, and every nested application, as CloudFormation would see them. Also what the
deployment would act on: the rules and schedules that start work, whether it runs in dry-run,
which Security Hub controls it may remediate.

    python -m stacks.plan [--template PATH] [Name=value ...]     (make plan PARAMS="Name=value ...")
"""

import argparse
import collections
import os
import sys

from stacks import cfn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def triggers(stack):
    """One line per rule or schedule that would start something, with its state."""
    lines = []
    for name, props in stack.of_type("AWS::Events::Rule"):
        what = props.get("ScheduleExpression") or (props.get("EventPattern") or {}).get("detail-type")
        lines.append(f"rule {name}: {what}")
    for name, props in stack.of_type("AWS::Scheduler::Schedule"):
        lines.append(f"schedule {name}: {props['ScheduleExpression']} ({props.get('State', 'ENABLED')})")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", default=os.path.join(ROOT, "template.yaml"))
    parser.add_argument("parameters", nargs="*", metavar="Name=value")
    args = parser.parse_args()
    given = dict(p.split("=", 1) for p in args.parameters)
    try:
        root = cfn.Stack(args.template, given, name=os.path.basename(args.template).removesuffix(".yaml"))
        stacks = list(root.all_stacks())
    except ValueError as e:
        sys.exit(f"plan: {e}")
    dry = set()  # the DRY_RUN values of every function that has one
    print(f"{os.path.relpath(args.template, ROOT)} with {' '.join(args.parameters) or 'the default parameters'}:")
    for stack in stacks:
        kinds = collections.Counter(
            r["Type"].removeprefix("AWS::") for r in stack.resources.values() if r["Type"] != cfn.PLACEHOLDER
        )
        print(f"  {stack.name}: {sum(kinds.values())} resources")
        print("    " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) if kinds else "    nothing")
        for line in triggers(stack):
            print(f"    {line}")
        for name, props in stack.of_type("AWS::Lambda::Function"):
            env = (props.get("Environment") or {}).get("Variables") or {}
            if "DRY_RUN" in env:
                dry.add(env["DRY_RUN"])
            if env.get("DRY_RUN") == "false":
                print(f"    {name} acts for real (DRY_RUN=false)")
            if "REMEDIATED_CONTROLS" in env:
                print(f"    {name} may remediate: {env['REMEDIATED_CONTROLS'] or 'no control (notifies only)'}")
    if not dry:
        print("  dry-run: nothing to stop")
    else:
        print(f"  dry-run: {'yes, everywhere' if dry == {'true'} else 'no: the functions above act for real'}")


if __name__ == "__main__":
    main()

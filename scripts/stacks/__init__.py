"""The project's templates as CloudFormation will deploy them, read offline: `cfn` applies SAM's
transform and evaluates conditions and nested applications, `check_iam` checks least privilege
on the result, `plan` prints what a deployment would create (`make plan`). `scripts/lib.sh` puts
`scripts/` on `PYTHONPATH`, so the tests and the scripts import them as `from stacks import cfn`.
"""

"""What the usual Python Lambda does before its first event: import boto3, create its Glue
and SNS clients at module level, then poll the Runtime API. Used only as the start-up
baseline in scripts/bench-startup.sh."""

import os
import urllib.request

import boto3

glue = boto3.client("glue")
sns = boto3.client("sns")

api = os.environ["AWS_LAMBDA_RUNTIME_API"]
urllib.request.urlopen(f"http://{api}/2018-06-01/runtime/invocation/next")

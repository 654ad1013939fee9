"""The usual Python Lambda for the Glue job, as the comparison for start-up and memory: import
boto3, create its Glue and SNS clients at module level, then serve events from the Runtime API
(stop the named session if READY; on a scheduled event, stop every session past 90 minutes)."""

import datetime
import json
import os
import urllib.request

import boto3

glue = boto3.client("glue")
sns = boto3.client("sns")

api = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"


def handler(event):
    if "session_id" in event:
        ids = [event["session_id"]]
    else:
        limit = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=90)
        ids = [s["Id"] for s in glue.list_sessions().get("Sessions", []) if s["CreatedOn"] < limit]
    stopped = []
    for session_id in ids:
        if glue.get_session(Id=session_id)["Session"]["Status"] == "READY":
            glue.stop_session(Id=session_id)
            stopped.append(session_id)
    return {"stopped": stopped}


while True:
    with urllib.request.urlopen(f"{api}/next") as res:
        request_id = res.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(res.read())
    body = json.dumps(handler(event)).encode()
    urllib.request.urlopen(urllib.request.Request(f"{api}/{request_id}/response", data=body, method="POST"))

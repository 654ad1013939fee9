"""moto's server, plus the one thing about RDS that only AWS does: raise its own events.

RDS starts a database that has been stopped for 7 days by itself and records RDS-EVENT-0154
(instance) or RDS-EVENT-0153 (cluster) in its event history; no API call does that. The tests
and the demo add such events with

    POST /_local/rds-events
    {"region": "us-east-1", "source_identifier": "orders-dev", "source_type": "db-instance",
     "message": "DB instance is being started due to ...", "date": "2026-11-20T09:14:07Z"}

and read them back with DescribeEvents, as the sweep does. Everything else is moto, unchanged.
Usage: python scripts/local_moto.py <moto_server arguments>
"""

import json
import sys
from datetime import datetime, timezone

from moto import server
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server import werkzeug_app
from moto.rds import models

PATH = "/_local/rds-events"
SOURCE_TYPES = {"db-instance": "db", "db-cluster": "cluster"}


def add_event(body: dict) -> None:
    source_type = body["source_type"]
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"source_type must be one of {sorted(SOURCE_TYPES)}")
    account = body.get("account", DEFAULT_ACCOUNT_ID)
    region = body["region"]
    identifier = body["source_identifier"]
    # moto's Event takes its fields from a resource and a fixed message table; set them directly.
    event = models.Event.__new__(models.Event)
    event.source_identifier = identifier
    event.source_type = source_type
    event.message = body["message"]
    event.event_categories = body.get("categories", ["notification"])
    event.source_arn = f"arn:aws:rds:{region}:{account}:{SOURCE_TYPES[source_type]}:{identifier}"
    date = body.get("date")
    event.date = (
        datetime.fromisoformat(date.replace("Z", "+00:00")).astimezone(timezone.utc)
        if date
        else datetime.now(timezone.utc)
    ).replace(tzinfo=None)
    models.rds_backends[account][region].events.append(event)


moto_app = werkzeug_app.DomainDispatcherApplication.__call__


def app(self, environ, start_response):
    if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
        return moto_app(self, environ, start_response)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        add_event(json.loads(environ["wsgi.input"].read(length)))
    except (KeyError, ValueError, TypeError) as e:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [f"bad RDS event: {e!r}\n".encode()]
    start_response("204 No Content", [])
    return [b""]


werkzeug_app.DomainDispatcherApplication.__call__ = app

if __name__ == "__main__":
    server.main(sys.argv[1:])

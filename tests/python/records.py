"""Helpers for finding the CloudTrail records of calls through LookupEvents."""

import json
import time


def lookup(server, **kwargs):
    """All events matching kwargs (LookupEvents parameters), newest first, following NextToken."""
    ct = server.client("cloudtrail")
    events, token = [], None
    while True:
        page = ct.lookup_events(**kwargs, **({"NextToken": token} if token else {}))
        events.extend(page["Events"])
        token = page.get("NextToken")
        if not token:
            return events


def record_of(server, request_id, event_name=None):
    """The parsed CloudTrail record whose requestID is `request_id`."""
    attrs = [{"AttributeKey": "EventName", "AttributeValue": event_name}] if event_name else []
    for event in lookup(server, LookupAttributes=attrs, StartTime=time.time() - 600):
        record = json.loads(event["CloudTrailEvent"])
        if record["requestID"] == request_id:
            return event, record
    raise AssertionError(f"no record with requestID {request_id}")

"""Durable before answered: SIGKILL the server under a load of mutating calls, restart, and check that every
answered call has its record and that records and state agree exactly (no record without its state change, no
state change without its record)."""

import json
import threading
import time

from conftest import start_server, stop_server
from records import lookup

WORKERS = 6


def test_sigkill_under_mutating_load_loses_and_invents_nothing(fresh_dir):
    srv = start_server(fresh_dir / "d")
    answered = []  # (operation, request id, connection arn) of every call answered with success
    lock = threading.Lock()
    stop = threading.Event()

    def worker(k):
        client = srv.client("apprunner")
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = client.create_connection(ConnectionName=f"dur-{k}-{i}", ProviderType="GITHUB")
                arn = r["Connection"]["ConnectionArn"]
                with lock:
                    answered.append(("CreateConnection", r["ResponseMetadata"]["RequestId"], arn))
                r = client.delete_connection(ConnectionArn=arn)
                with lock:
                    answered.append(("DeleteConnection", r["ResponseMetadata"]["RequestId"], arn))
            except Exception:
                # The kill cuts connections mid-call: such calls were never answered, so nothing is promised.
                if stop.is_set():
                    return
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(WORKERS)]
    for t in threads:
        t.start()
    time.sleep(3)
    srv.process.kill()  # SIGKILL: no shutdown, no flush
    srv.process.wait()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(answered) > 20, f"too little load before the kill: {len(answered)} calls"

    srv = start_server(fresh_dir / "d")
    try:
        existing = set()
        token = None
        while True:
            page = srv.client("apprunner").list_connections(**({"NextToken": token} if token else {}))
            existing |= {c["ConnectionArn"] for c in page["ConnectionSummaryList"]}
            token = page.get("NextToken")
            if not token:
                break
        records = []
        for name in ("CreateConnection", "DeleteConnection"):
            events = lookup(srv, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])
            records += [json.loads(e["CloudTrailEvent"]) for e in events]
        ok = [r for r in records if "errorCode" not in r]
        assert len({r["eventID"] for r in records}) == len(records), "duplicate records"

        by_request = {r["requestID"]: r for r in ok}
        for op, request_id, arn in answered:
            assert request_id in by_request, f"answered {op} {request_id} has no record"
            assert by_request[request_id]["eventName"] == op

        created = {r["responseElements"]["connection"]["connectionArn"] for r in ok if r["eventName"] == "CreateConnection"}
        deleted = {r["requestParameters"]["connectionArn"] for r in ok if r["eventName"] == "DeleteConnection"}
        assert deleted <= created, "a delete was recorded for a connection never recorded as created"
        assert existing == created - deleted, "state and records disagree"
    finally:
        assert stop_server(srv) == 0

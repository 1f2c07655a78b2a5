"""Exactly-once delivery: SIGKILL the server while a trail delivers under a load of calls, restart, and check that
every record of Event history since logging started appears in exactly one delivered log file."""

import random
import threading
import time
from collections import Counter

from conftest import start_server, stop_server
from trails import delivered_records, make_trail_bucket, wait_for

ARGS = ("--lifecycle-delay", "100ms", "--delivery-interval", "1", "--digest-interval", "2")
WORKERS = 4


def load(srv, stop):
    def worker(k):
        client = srv.client("apprunner")
        i = 0
        while not stop.is_set():
            i += 1
            try:
                arn = client.create_connection(ConnectionName=f"kill-{k}-{i}-{random.randrange(1 << 30)}",
                                               ProviderType="GITHUB")["Connection"]["ConnectionArn"]
                client.list_services()
                client.delete_connection(ConnectionArn=arn)
            except Exception:
                if stop.is_set():
                    return
                time.sleep(0.05)  # the server is being killed or restarted
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(WORKERS)]
    for t in threads:
        t.start()
    return threads


def all_event_ids(srv):
    ct = srv.client("cloudtrail")
    ids = {}
    for page in ct.get_paginator("lookup_events").paginate():
        for e in page["Events"]:
            ids[e["EventId"]] = e["EventName"]
    return ids


def test_sigkill_during_delivery_loses_and_duplicates_nothing(fresh_dir):
    data = fresh_dir / "d"
    srv = start_server(data, *ARGS)
    make_trail_bucket(srv, "kill-bucket")
    ct = srv.client("cloudtrail")
    ct.create_trail(Name="kill-trail", S3BucketName="kill-bucket", EnableLogFileValidation=True)
    ct.start_logging(Name="kill-trail")
    for round_ in range(3):
        stop = threading.Event()
        threads = load(srv, stop)
        time.sleep(2 + random.random() * 2)
        srv.process.kill()  # SIGKILL, most likely in the middle of a delivery: the worker delivers every second
        srv.process.wait()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        srv = start_server(data, *ARGS)
    try:
        expected = {i: n for i, n in all_event_ids(srv).items() if n != "CreateTrail"}
        assert sum(n == "CreateConnection" for n in expected.values()) > 20, "too little load"

        def caught_up():
            delivered = {r["eventID"] for _, r in delivered_records(srv, "kill-bucket")}
            return set(expected) <= delivered
        wait_for(caught_up, timeout=60, interval=1, what="delivery to catch up after the restarts")
        counts = Counter(r["eventID"] for _, r in delivered_records(srv, "kill-bucket"))
        duplicated = [i for i, n in counts.items() if n > 1]
        assert not duplicated, f"{len(duplicated)} records delivered more than once"
        assert "CreateTrail" not in {r["eventName"] for _, r in delivered_records(srv, "kill-bucket")}
    finally:
        assert stop_server(srv) == 0

"""`trailrunner events`: Event history from the command line, checked against boto3 and the AWS CLI.

The shared server records every call of the session (other tests' too, and these commands' own LookupEvents), so
the checks pin a closed time range around the calls made here and pick them out by request ID.
"""

import csv
import io
import json
import os
import subprocess
import time
from datetime import datetime, timezone

import pytest

from conftest import BIN

CSV_HEADER = [
    "Event time",
    "Event name",
    "User name",
    "Event source",
    "Resource type",
    "Resource name",
    "Event ID",
    "Read only",
    "AWS access key",
]


def iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def clean_env(**extra):
    """The environment without AWS_* or TRAILRUNNER_* settings, so only the flags given count."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TRAILRUNNER_"))}
    env.update(extra)
    return env


def events(*args, env=None, cwd=None):
    return subprocess.run(
        [BIN, "events", *args], env=env or clean_env(), cwd=cwd, capture_output=True, text=True, timeout=120
    )


def events_ok(*args, **kwargs):
    proc = events(*args, **kwargs)
    assert proc.returncode == 0, f"trailrunner events {' '.join(args)} failed: {proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def history(server):
    """56 calls (55 ListServices around one GetCallerIdentity) inside a closed range [start, end] of whole seconds
    that nothing else falls into afterwards."""
    apprunner = server.client("apprunner")
    sts = server.client("sts")
    start = int(time.time())
    calls = []  # (request id, event name), oldest first
    for i in range(56):
        if i == 30:
            resp = sts.get_caller_identity()
            calls.append((resp["ResponseMetadata"]["RequestId"], "GetCallerIdentity"))
        else:
            resp = apprunner.list_services()
            calls.append((resp["ResponseMetadata"]["RequestId"], "ListServices"))
    end = int(time.time())
    # EndTime is inclusive to the end of its second: wait until later calls cannot land in the range.
    while time.time() < end + 1.05:
        time.sleep(0.05)
    return {"start": start, "end": end, "calls": calls, "range": ["--start-time", iso(start), "--end-time", iso(end)]}


def request_id(event):
    return json.loads(event["CloudTrailEvent"])["requestID"]


def ours(history, found):
    ids = {rid for rid, _ in history["calls"]}
    return [e for e in found if request_id(e) in ids]


def test_lookup_json_lists_the_calls_newest_first(server, history):
    proc = events_ok("lookup", "--data-dir", str(server.data_dir), *history["range"], "--max-items", "1000",
                     "--output", "json")
    found = json.loads(proc.stdout)
    assert isinstance(found, list)
    times = [e["EventTime"] for e in found]
    assert times == sorted(times, reverse=True)
    mine = ours(history, found)
    # Several pages of 50: every call is there once, newest first.
    assert [request_id(e) for e in mine] == [rid for rid, _ in reversed(history["calls"])]
    for event, (rid, name) in zip(mine, reversed(history["calls"])):
        record = json.loads(event["CloudTrailEvent"])
        assert event["EventName"] == name == record["eventName"]
        source = "sts.amazonaws.com" if name == "GetCallerIdentity" else "apprunner.amazonaws.com"
        assert event["EventSource"] == source
        assert event["EventId"] == record["eventID"]
        assert event["Username"] == "root"
        assert event["AccessKeyId"] == server.access_key_id
        assert event["ReadOnly"] == "true"
        assert event["Resources"] == []
        assert history["start"] <= event["EventTime"] <= history["end"] + 1
        assert record["userIdentity"]["type"] == "Root"
    # Nothing is kept from the secret.
    assert server.secret_access_key not in proc.stdout + proc.stderr


def test_lookup_max_items_and_relative_times(server, history):
    proc = events_ok("lookup", "--data-dir", str(server.data_dir), *history["range"], "--max-items", "7",
                     "--output", "json")
    found = json.loads(proc.stdout)
    assert [request_id(e) for e in found] == [rid for rid, _ in reversed(history["calls"])][:7]
    # A relative start reaches back over the same calls (and later ones, such as this command's earlier lookups).
    proc = events_ok("lookup", "--data-dir", str(server.data_dir), "--start-time", "-1h", "--max-items", "1000",
                     "--output", "json")
    assert len(ours(history, json.loads(proc.stdout))) == len(history["calls"])


def test_lookup_attribute_filters(server, history):
    proc = events_ok("lookup", "--data-dir", str(server.data_dir), *history["range"], "--max-items", "1000",
                     "--attribute", "EventName=ListServices", "--output", "json")
    found = json.loads(proc.stdout)
    assert found and all(e["EventName"] == "ListServices" for e in found)
    assert [request_id(e) for e in ours(history, found)] == [
        rid for rid, name in reversed(history["calls"]) if name == "ListServices"
    ]
    proc = events_ok("lookup", "--data-dir", str(server.data_dir), *history["range"],
                     "--attribute", "EventSource=sts.amazonaws.com", "--output", "json")
    assert [request_id(e) for e in ours(history, json.loads(proc.stdout))] == [
        rid for rid, name in history["calls"] if name == "GetCallerIdentity"
    ]


def test_lookup_csv_matches_json(server, history):
    common = ["lookup", "--data-dir", str(server.data_dir), *history["range"], "--max-items", "1000"]
    as_json = json.loads(events_ok(*common, "--output", "json").stdout)
    text = events_ok(*common, "--output", "csv").stdout
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == CSV_HEADER
    table = [dict(zip(CSV_HEADER, r)) for r in rows[1:]]
    assert len(table) == len(as_json)
    for row, event in zip(table, as_json):
        assert row["Event ID"] == event["EventId"]
        assert row["Event time"] == iso(event["EventTime"])
        assert row["Event name"] == event["EventName"]
        assert row["User name"] == event["Username"]
        assert row["Event source"] == event["EventSource"]
        assert row["Read only"] == event["ReadOnly"]
        assert row["AWS access key"] == event["AccessKeyId"]
        assert row["Resource type"] == row["Resource name"] == ""


def test_lookup_table(server, history):
    proc = events_ok("lookup", "--data-dir", str(server.data_dir), *history["range"], "--max-items", "3")
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["Event", "time", "Event", "name", "User", "name", "Event", "source", "Resource",
                                "type", "Resource", "name"]
    assert len(lines) == 4
    col = lines[0].index("Event source")
    for line in lines[1:]:
        assert line[col:].startswith("apprunner.amazonaws.com")
        assert " ListServices " in line and " root " in line


def test_download_json_matches_the_aws_cli(server, history, tmp_path):
    out = tmp_path / "events.json"
    proc = events_ok("download", "--data-dir", str(server.data_dir), *history["range"], "--format", "json",
                     "--out", str(out))
    doc = json.loads(out.read_text())
    assert list(doc) == ["Records"]
    records = doc["Records"]
    assert f"wrote {len(records)} events to {out}" in proc.stderr
    assert not (tmp_path / "events.json.tmp").exists()
    cli = json.loads(server.aws("cloudtrail", "lookup-events", "--start-time", iso(history["start"]),
                                "--end-time", iso(history["end"])).stdout)
    assert records == [json.loads(e["CloudTrailEvent"]) for e in cli["Events"]]
    ids = [r["requestID"] for r in records]
    assert [rid for rid in ids if rid in {c[0] for c in history["calls"]}] == [
        rid for rid, _ in reversed(history["calls"])
    ]


def test_download_csv(server, history, tmp_path):
    out = tmp_path / "events.csv"
    events_ok("download", "--data-dir", str(server.data_dir), *history["range"], "--format", "csv",
              "--attribute", "EventName=GetCallerIdentity", "--out", str(out))
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == CSV_HEADER
    assert rows[1:] and all(r[1] == "GetCallerIdentity" for r in rows[1:])


def test_invalid_attribute_fails_with_the_aws_error(server, history, tmp_path):
    proc = events("lookup", "--data-dir", str(server.data_dir), "--attribute", "NoSuchKey=x")
    assert proc.returncode != 0
    assert "InvalidLookupAttributesException" in proc.stderr
    assert proc.stdout == ""
    # A failed download leaves an existing file as it was, and no partial file.
    out = tmp_path / "events.json"
    out.write_text("before")
    proc = events("download", "--data-dir", str(server.data_dir), *history["range"], "--format", "json",
                  "--attribute", "NoSuchKey=x", "--out", str(out))
    assert proc.returncode != 0
    assert "InvalidLookupAttributesException" in proc.stderr
    assert out.read_text() == "before"
    assert not (tmp_path / "events.json.tmp").exists()
    # A time range the wrong way round is the server's InvalidTimeRangeException.
    proc = events("lookup", "--data-dir", str(server.data_dir), "--start-time", "-1h", "--end-time", "-2h")
    assert proc.returncode != 0
    assert "InvalidTimeRangeException" in proc.stderr


def test_bad_arguments_are_refused_before_any_call(server):
    for args in (["--start-time", "yesterday"], ["--attribute", "EventName"], ["--max-items", "0"],
                 ["--start-time", "2026-11-25T00:00:00"]):
        proc = events("lookup", "--data-dir", str(server.data_dir), *args)
        assert proc.returncode != 0, args
        assert proc.stderr, args


def test_works_as_any_user_from_the_aws_environment(server, history, tmp_path):
    # What `eval "$(trailrunner env)"` sets, run where no data dir exists: the AWS_* variables are enough.
    env = server.cli_env()
    for k in ("TRAILRUNNER_DATA_DIR", "TRAILRUNNER_ENDPOINT"):
        env.pop(k, None)
    proc = events_ok("lookup", *history["range"], "--max-items", "1000", "--output", "json", env=env, cwd=tmp_path)
    assert len(ours(history, json.loads(proc.stdout))) == len(history["calls"])
    # A wrong secret is the server's signature error, and no secret is echoed.
    wrong = "w" * 40
    proc = events("lookup", env=dict(env, AWS_SECRET_ACCESS_KEY=wrong), cwd=tmp_path)
    assert proc.returncode != 0
    assert "InvalidSignatureException" in proc.stderr
    assert wrong not in proc.stderr + proc.stdout
    assert server.secret_access_key not in proc.stderr + proc.stdout
    # The flags work too, and a key without its secret is refused.
    proc = events_ok("lookup", "--endpoint", server.endpoint, "--access-key-id", server.access_key_id,
                     "--secret-access-key", server.secret_access_key, *history["range"], "--max-items", "1",
                     cwd=tmp_path)
    assert "ListServices" in proc.stdout
    proc = events("lookup", "--endpoint", server.endpoint, "--access-key-id", server.access_key_id, cwd=tmp_path)
    assert proc.returncode != 0
    assert "--secret-access-key" in proc.stderr

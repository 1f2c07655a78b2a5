"""Fail closed: when a call's record cannot be written, the call fails with an internal error and changes nothing.

The fault is injected into the real database: a second SQLite connection (WAL mode allows it) installs a trigger
that aborts every insert into the events table, so the server's own commit of the record fails."""

import json
import sqlite3

import pytest
from botocore.exceptions import ClientError

from conftest import start_server, stop_server
from records import lookup


def test_a_call_whose_record_cannot_be_written_fails_and_changes_nothing(fresh_dir):
    srv = start_server(fresh_dir / "d")
    try:
        apprunner = srv.client("apprunner")
        apprunner.create_connection(ConnectionName="before-fault", ProviderType="GITHUB")
        db = sqlite3.connect(fresh_dir / "d" / "trailrunner.db", timeout=10)
        db.execute("CREATE TRIGGER inject_fault BEFORE INSERT ON events "
                   "BEGIN SELECT RAISE(ABORT, 'injected fault'); END")
        db.commit()
        try:
            for call in (lambda: apprunner.create_connection(ConnectionName="during-fault", ProviderType="GITHUB"),
                         lambda: apprunner.list_connections()):
                with pytest.raises(ClientError) as e:
                    call()
                assert e.value.response["Error"]["Code"] == "InternalFailure"
                assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
                assert "injected" not in str(e.value), "internal causes are logged, never sent"
        finally:
            db.execute("DROP TRIGGER inject_fault")
            db.commit()
            db.close()
        names = {c["ConnectionName"] for c in apprunner.list_connections()["ConnectionSummaryList"]}
        assert names == {"before-fault"}, "the mutation whose record failed must not exist"
        records = [json.loads(e["CloudTrailEvent"]) for e in
                   lookup(srv, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateConnection"}])]
        assert [r["requestParameters"]["connectionName"] for r in records] == ["before-fault"]
    finally:
        assert stop_server(srv) == 0

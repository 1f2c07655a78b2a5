"""Fixtures that run the real trailrunner binary on 127.0.0.1 with a port chosen at run time."""

import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import botocore.config
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TRAILRUNNER_BIN", str(REPO / "target" / "debug" / "trailrunner"))


@dataclass
class Server:
    """A running `trailrunner serve` and what clients need to reach it."""

    process: subprocess.Popen
    data_dir: Path
    endpoint: str
    account_id: str
    access_key_id: str
    secret_access_key: str
    region: str = "us-east-1"
    stderr_lines: list = field(default_factory=list)

    def client(self, service, **overrides):
        args = dict(
            service_name=service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )
        args.update(overrides)
        return boto3.client(**args)

    def with_region(self, region):
        """The same server, with clients signing for another region."""
        from dataclasses import replace
        return replace(self, region=region)

    def cli_env(self, **extra):
        """Environment for the AWS CLI, as `eval "$(trailrunner env)"` would set it."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        out = subprocess.run(
            [BIN, "env", "--data-dir", str(self.data_dir)], check=True, capture_output=True, text=True
        ).stdout
        for line in out.splitlines():
            m = re.fullmatch(r"export (\w+)='(.*)'", line)
            assert m, f"unexpected env line: {line!r}"
            env[m.group(1)] = m.group(2).replace("'\\''", "'")
        env["AWS_CONFIG_FILE"] = "/dev/null"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env.update(extra)
        return env

    def aws(self, *args, env=None, check=True):
        """Run the installed AWS CLI against the server; returns the CompletedProcess."""
        proc = subprocess.run(
            ["aws", *args], env=env or self.cli_env(), capture_output=True, text=True, timeout=120
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        return proc


def start_server(data_dir: Path, *extra_args) -> Server:
    proc = subprocess.Popen(
        [BIN, "serve", "--bind", "127.0.0.1:0", "--data-dir", str(data_dir), *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline()
    m = re.match(r"trailrunner listening on (http://127\.0\.0\.1:\d+)", first)
    if not m:
        proc.kill()
        raise RuntimeError(f"server did not start: {first!r} {proc.stderr.read()}")
    stderr_lines = []
    # Drain both pipes so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    threading.Thread(target=lambda: stderr_lines.extend(proc.stderr), daemon=True).start()
    creds = json.loads((data_dir / "root-credentials.json").read_text())
    return Server(
        process=proc,
        data_dir=data_dir,
        endpoint=m.group(1),
        account_id=creds["accountId"],
        access_key_id=creds["accessKeyId"],
        secret_access_key=creds["secretAccessKey"],
        stderr_lines=stderr_lines,
    )


def stop_server(server: Server) -> int:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            return server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
            raise
    return server.process.returncode


@contextlib.contextmanager
def running_server(*extra_args):
    """A server of its own on a fresh data dir, stopped afterwards; it must exit cleanly."""
    with tempfile.TemporaryDirectory(prefix="trailrunner-test-") as tmp:
        srv = start_server(Path(tmp) / "data", *extra_args)
        try:
            yield srv
        finally:
            code = stop_server(srv)
            assert code == 0, f"server exited with {code}: {''.join(srv.stderr_lines)[-2000:]}"


@pytest.fixture(scope="session")
def server():
    # Service operations settle in a tenth of a second (the default, 2s, would make the suite crawl).
    with running_server("--lifecycle-delay", "100ms") as srv:
        yield srv


@pytest.fixture
def fresh_dir():
    with tempfile.TemporaryDirectory(prefix="trailrunner-test-") as tmp:
        yield Path(tmp)

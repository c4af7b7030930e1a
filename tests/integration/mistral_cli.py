"""Support of test_mistral_client.py: installing python-mistralclient into a cached venv, a
`wfq server` subprocess, and running the `mistral` command against it."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wfq_testing import ROOT

CLIENT_VENV = ROOT / ".cache" / "mistral-client-venv"
_CHECK = Path("shared") / "tools" / "mistral_client_check.py"
CHECK_SCRIPT = next(
    (base / _CHECK for base in (ROOT.parent, ROOT.parent.parent) if (base / _CHECK).exists()),
    ROOT.parent / _CHECK,
)
"""The shared script that drives the `mistral` client through every command family (it also
passes against real Mistral); next to the repository, or next to the folder of its worktrees."""
CLIENT_PACKAGE = "python-mistralclient==6.3.0"
"""The client version the compatibility notes (shared/MISTRAL-API.md) were captured with."""


def install_client(venv: Path = CLIENT_VENV) -> Path:
    """`venv/bin/mistral`, installing python-mistralclient first if it is missing.

    A file lock next to the venv makes a parallel run wait for the install instead of
    colliding with it; a venv left half-made by an interrupted install is started again.
    """
    mistral = venv / "bin" / "mistral"
    if mistral.exists():
        return mistral
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if mistral.exists():
            return mistral
        shutil.rmtree(venv, ignore_errors=True)
        env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", CLIENT_PACKAGE],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0 or not mistral.exists():
            shutil.rmtree(venv, ignore_errors=True)
            raise RuntimeError(f"pip install {CLIENT_PACKAGE} failed:\n{done.stderr[-3000:]}")
    return mistral


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    """GET `url` and decode its JSON body."""
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


@contextmanager
def wfq_server(
    env: dict[str, str], log_path: Path, timeout: float = 60, production: bool = False
) -> Iterator[str]:
    """Run `wfq server` on a free port with `env` (with `production`: the API as
    docker-compose.yml runs it, granian over `wfq.api.wsgi:app`); yields its v2 URL once
    `GET /v2/` answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v2"
    argv = [sys.executable, "-m", "wfq.cli.main", "server", "--port", str(port)]
    if production:
        argv = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--blocking-threads",
            "4",
            "wfq.api.wsgi:app",
        ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_ready(proc, url, log_path, timeout)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError("wfq server exited:\n" + log_path.read_text()[-3000:])
        try:
            if get_json(url + "/") == {"uri": url}:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("wfq server not ready:\n" + log_path.read_text()[-3000:])
        time.sleep(0.2)


class Cli:
    """Runs `mistral --os-mistral-url URL ARGS` (warnings silenced, as MISTRAL-API.md advises)."""

    def __init__(self, mistral: Path, url: str) -> None:
        self.mistral, self.url = mistral, url
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.env["PYTHONWARNINGS"] = "ignore"

    def __call__(self, *args: str, fmt: str = "json", ok: bool = True) -> Any:
        """The parsed `-f json` output, or with `fmt="text"` stdout as text.

        `ok=False` expects a failure and returns what it printed (the client prints some
        errors on stdout, e.g. those of `*-delete`).
        """
        cmd = [str(self.mistral), "--os-mistral-url", self.url, *args]
        if fmt == "json":
            cmd += ["-f", "json"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=self.env)
        if not ok:
            assert p.returncode != 0, (args, p.stdout)
            return p.stdout + p.stderr
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        return json.loads(p.stdout) if fmt == "json" else p.stdout


LIBRARY_PRELUDE = """\
import json, sys, warnings
warnings.simplefilter("ignore")
from mistralclient.api import client as mistral_client

ARGS = json.loads(sys.stdin.read())

def client(token):
    return mistral_client.client(mistral_url=ARGS["url"], auth_token=token)

def plain(resource):
    return {k: v for k, v in resource.to_dict().items()}

"""


class Library:
    """Runs a snippet against python-mistralclient's library (`mistralclient.api.client.client`
    with `auth_token`: no Keystone) in the client's own venv. The snippet sees `ARGS` and
    `client(token)`, and assigns its answer to `OUT` (printed as JSON)."""

    def __init__(self, mistral: Path, url: str) -> None:
        self.python = mistral.parent / "python"
        self.url = url

    def __call__(self, code: str, **args: Any) -> Any:
        script = LIBRARY_PRELUDE + code + "\nprint(json.dumps(OUT))\n"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        p = subprocess.run(
            [str(self.python), "-c", script],
            input=json.dumps({"url": self.url, **args}),
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert p.returncode == 0, (code, p.stdout, p.stderr[-3000:])
        return json.loads(p.stdout.strip().splitlines()[-1])

"""Fixtures of the action tests: real peers on loopback and contexts whose settings allow it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from action_peers import (
    Cert,
    HttpPeer,
    SmtpPeer,
    SshPeer,
    context,
    ecdsa_key_text,
    ed25519_key_file,
    make_cert,
)

from wfq.actions.base import ActionContext


@pytest.fixture
def ctx() -> ActionContext:
    """A context whose egress policy allows 127.0.0.1 (the test peers)."""
    return context()


@pytest.fixture(scope="session")
def cert(tmp_path_factory: pytest.TempPathFactory) -> Cert:
    return make_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def http_peer() -> Iterator[HttpPeer]:
    peer = HttpPeer()
    yield peer
    peer.close()


@pytest.fixture(scope="module")
def https_peer(cert: Cert) -> Iterator[HttpPeer]:
    peer = HttpPeer(cert)
    yield peer
    peer.close()


@pytest.fixture
def smtp_peer() -> Iterator[SmtpPeer]:
    peer = SmtpPeer()
    yield peer
    peer.close()


@pytest.fixture
def smtp_tls_peer(cert: Cert) -> Iterator[SmtpPeer]:
    peer = SmtpPeer(cert)
    yield peer
    peer.close()


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import paramiko

    folder = tmp_path_factory.mktemp("keys")
    ed_file = ed25519_key_file(folder)
    ec_text, ec_key = ecdsa_key_text()
    return {
        "ed25519_file": ed_file,
        "ed25519": paramiko.Ed25519Key.from_private_key_file(str(ed_file)),
        "ecdsa_text": ec_text,
        "ecdsa": ec_key,
    }


@pytest.fixture(scope="module")
def ssh_peer(tmp_path_factory: pytest.TempPathFactory, ssh_keys: dict[str, Any]) -> Iterator[SshPeer]:
    workdir: Path = tmp_path_factory.mktemp("ssh-home")
    peer = SshPeer(
        workdir, passwords={"alice": "wonderland"},
        keys={"bob": [ssh_keys["ed25519"], ssh_keys["ecdsa"]]},
    )
    yield peer
    peer.close()


EXAMPLE_PACKAGE = Path(__file__).resolve().parents[1] / "fixtures" / "wfq_example_actions"


def _installed_version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@pytest.fixture(scope="session")
def example_package(tmp_path_factory: pytest.TempPathFactory) -> str:
    """tests/fixtures/wfq_example_actions pip-installed into this environment (once: kept
    installed between runs, reinstalled when its version changes)."""
    import importlib
    import shutil
    import subprocess
    import sys
    import tomllib

    wanted = tomllib.loads((EXAMPLE_PACKAGE / "pyproject.toml").read_text())["project"]["version"]
    if _installed_version("wfq-example-actions") != wanted:
        src = tmp_path_factory.mktemp("pkg") / "wfq_example_actions"
        shutil.copytree(EXAMPLE_PACKAGE, src)  # build outside the work tree
        pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--force-reinstall", "-q", str(src)]
        proc = subprocess.run(pip, capture_output=True, text=True, check=False)
        if proc.returncode != 0:  # no index reachable: build with what the venv has
            proc = subprocess.run([*pip, "--no-build-isolation"], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        importlib.invalidate_caches()
    assert _installed_version("wfq-example-actions") == wanted
    return wanted

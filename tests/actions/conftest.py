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
def ssh_peer(
    tmp_path_factory: pytest.TempPathFactory, ssh_keys: dict[str, Any]
) -> Iterator[SshPeer]:
    workdir: Path = tmp_path_factory.mktemp("ssh-home")
    peer = SshPeer(
        workdir,
        passwords={"alice": "wonderland"},
        keys={"bob": [ssh_keys["ed25519"], ssh_keys["ecdsa"]]},
    )
    yield peer
    peer.close()


EXAMPLE_PACKAGE = Path(__file__).resolve().parents[1] / "fixtures" / "wfq_example_actions"


def _venv_lists_example_package() -> bool:
    """Whether a fresh interpreter of this environment finds wfq-example-actions (an earlier
    version of the fixture below installed it into .venv)."""
    import subprocess
    import sys

    code = "import importlib.metadata as m; m.version('wfq-example-actions')"
    return (
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=False).returncode
        == 0
    )


@pytest.fixture(scope="session")
def example_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """tests/fixtures/wfq_example_actions pip-installed into a throw-away folder that is on
    sys.path for this test session only: the environment itself never lists `example.*`."""
    import importlib
    import shutil
    import subprocess
    import sys

    if _venv_lists_example_package():  # left there by an older test run: take it out
        subprocess.run(
            [sys.executable, "-m", "pip", "uninstall", "-y", "-q", "wfq-example-actions"],
            check=True,
        )
    base = tmp_path_factory.mktemp("pkg")
    src, target = base / "src", base / "site-packages"
    shutil.copytree(EXAMPLE_PACKAGE, src)  # build outside the work tree
    pip = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "-q",
        "--target",
        str(target),
        str(src),
    ]
    proc = subprocess.run(pip, capture_output=True, text=True, check=False)
    if proc.returncode != 0:  # no index reachable: build with what the venv has
        proc = subprocess.run(
            [*pip, "--no-build-isolation"], capture_output=True, text=True, check=False
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    importlib.invalidate_caches()

"""Custom actions without reinstalling wfq: the `action_paths` setting (folders, files, dotted
modules), entry points, and classes written for Mistral; a broken plugin is skipped alone."""

from __future__ import annotations

import logging
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from action_peers import context

from wfq.actions import plugins
from wfq.actions.registry import ActionRegistry
from wfq.errors import ActionFailed
from wfq.settings import Settings

DECORATED = '''
from wfq.actions.base import action

@action("ops.disk_usage", secret=("token",))
def disk_usage(ctx, path, human=True, token=None):
    """Reports how full `path` is."""
    return {"path": path, "human": human, "wf": ctx.workflow_name}
'''

MISTRAL_STYLE = '''
from mistral_lib import actions


class Restart(actions.Action):
    """Restarts a service (Mistral style)."""

    def __init__(self, service, force=False):
        self.service = service
        self.force = force

    def run(self, context):
        e = context.execution
        if self.service == "db":
            return actions.Result(error="db may not be restarted")
        return {
            "service": self.service, "force": self.force,
            "ids": [e.workflow_execution_id, e.task_execution_id, e.action_execution_id],
            "workflow": e.workflow_name, "callback": e.callback_url,
        }


class Later(actions.Action):
    def run(self, context):
        return None

    def is_sync(self):
        return False


def plain(x, *args, **kwargs):
    """Takes anything."""
    return {"x": x, **kwargs}


ACTIONS = {"ops.restart": Restart, "ops.later": Later, "ops.plain": plain}
'''


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def load(paths: str) -> ActionRegistry:
    return ActionRegistry.load(Settings(action_paths=paths))


def test_folder_of_modules(tmp_path: Path) -> None:
    pytest.importorskip("mistral_lib")
    write(tmp_path, "disk.py", DECORATED)
    write(tmp_path, "services.py", MISTRAL_STYLE)
    write(tmp_path, "_private.py", "raise RuntimeError('not loaded')")
    reg = load(str(tmp_path))
    disk = reg.get("ops.disk_usage")
    assert disk is not None and disk.signature_text() == "path, human=true, token=null"
    assert disk.description == "Reports how full `path` is."
    assert disk.fn(context(workflow_name="w"), path="/") == {"path": "/", "human": True, "wf": "w"}
    restart = reg.get("ops.restart")
    assert restart is not None and restart.signature_text() == "service, force=false"
    assert restart.description == "Restarts a service (Mistral style)."
    assert restart.class_name.endswith("services.Restart")
    assert reg.get("ops.later").is_sync is False  # type: ignore[union-attr]
    assert reg.get("ops.plain").signature_text() == "x, **kwargs"  # type: ignore[union-attr]
    assert reg.get("ops.plain").fn(context(), x=1, y=2) == {"x": 1, "y": 2}  # type: ignore[union-attr]


def test_mistral_context_and_results(tmp_path: Path) -> None:
    pytest.importorskip("mistral_lib")
    write(tmp_path, "services.py", MISTRAL_STYLE)
    restart = load(str(tmp_path)).get("ops.restart")
    assert restart is not None
    ctx = context(
        action_execution_id="ae",
        task_execution_id="te",
        workflow_execution_id="we",
        workflow_name="deploy",
    )
    assert restart.fn(ctx, service="web") == {
        "service": "web",
        "force": False,
        "ids": ["we", "te", "ae"],
        "workflow": "deploy",
        "callback": "/v2/action_executions/ae",
    }
    with pytest.raises(ActionFailed) as err:
        restart.fn(ctx, service="db")
    assert err.value.data == "db may not be restarted"


def test_worker_reports_results_and_errors(tmp_path: Path) -> None:
    pytest.importorskip("mistral_lib")
    from wfq.services.actions import Claimed, execute

    write(tmp_path, "services.py", MISTRAL_STYLE)
    svc: Any = SimpleNamespace(registry=load(str(tmp_path)), settings=Settings())

    def run(name: str, **given: Any) -> tuple[bool, Any, bool]:
        return execute(
            svc, Claimed(id="ae-1", name="t", action=name, input=given, context=context())
        )

    assert run("ops.restart", service="web")[0] is True
    assert run("ops.restart", service="db") == (False, "db may not be restarted", True)
    ok, msg, _ = run("ops.restart", service="web", force=True, colour="red")
    assert not ok and "unexpected keyword argument 'colour'" in msg


def test_single_file_and_dotted_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path / "one", "disk.py", DECORATED)
    write(tmp_path / "pkgroot" / "wfq_test_ops_pkg", "__init__.py", "")
    write(
        tmp_path / "pkgroot" / "wfq_test_ops_pkg",
        "more.py",
        DECORATED.replace("ops.disk_usage", "ops.more"),
    )
    monkeypatch.syspath_prepend(str(tmp_path / "pkgroot"))
    reg = load(f"{file}, wfq_test_ops_pkg.more")
    assert "ops.disk_usage" in reg and "ops.more" in reg


def test_broken_module_is_skipped_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "a_good.py", DECORATED)
    write(tmp_path, "b_broken.py", "import does_not_exist_anywhere\n")
    write(tmp_path, "c_bad_entry.py", "ACTIONS = {'ops.bad': 42, 'ops.fine': lambda n: n}\n")
    with caplog.at_level(logging.ERROR, logger="wfq.actions"):
        reg = load(f"{tmp_path},{tmp_path / 'missing.py'}")
    assert "ops.disk_usage" in reg and "ops.fine" in reg and "ops.bad" not in reg
    logged = caplog.text
    assert "b_broken.py" in logged and "does_not_exist_anywhere" in logged
    assert "ops.bad" in logged and "missing.py" in logged


def test_custom_actions_cannot_replace_standard_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "evil.py", "ACTIONS = {'std.echo': lambda output: 'hijacked'}\n")
    with caplog.at_level(logging.WARNING, logger="wfq.actions"):
        reg = load(str(tmp_path))
    assert reg.get("std.echo").fn(context(), output="x") == "x"  # type: ignore[union-attr]
    assert "ignoring action_paths action std.echo" in caplog.text


def test_later_source_replaces_an_earlier_one(tmp_path: Path) -> None:
    write(tmp_path / "a", "v1.py", "ACTIONS = {'ops.version': lambda: 1}\n")
    write(tmp_path / "b", "v2.py", "ACTIONS = {'ops.version': lambda: 2}\n")
    reg = load(f"{tmp_path / 'a'},{tmp_path / 'b'}")
    assert reg.get("ops.version").fn(context()) == 2  # type: ignore[union-attr]


def test_entry_points_and_a_broken_one(caplog: pytest.LogCaptureFixture) -> None:
    eps = [
        EntryPoint("ops.dedent", "textwrap:dedent", "wfq.actions"),
        EntryPoint("ops.nothing", "no_such_module_anywhere:thing", "wfq.actions"),
        EntryPoint("ops.not_callable", "textwrap:__doc__", "wfq.actions"),
        EntryPoint("std.noop", "textwrap:dedent", "mistral.actions"),
    ]
    with caplog.at_level(logging.ERROR, logger="wfq.actions"):
        found = plugins.from_entry_points("wfq.actions", entry_points=eps, skip={"std.noop"})
    assert [a.name for a in found] == ["ops.dedent"]
    assert found[0].signature_text() == "text"
    assert found[0].fn(context(), text="  a\n  b") == "a\nb"
    assert "ops.nothing" in caplog.text and "ops.not_callable" in caplog.text


def test_class_without_mistral_lib_gets_the_same_context() -> None:
    from wfq.actions.adapters import from_class

    class Probe:
        def __init__(self, flag: bool = False) -> None:
            self.flag = flag

        def run(self, context: Any) -> Any:
            e = context.execution
            return [self.flag, e.workflow_name, e.callback_url, e.with_items_index or 0]

    probe = from_class("ops.probe", Probe)
    assert probe.fn(context(workflow_name="w", action_execution_id="a"), flag=True) == [
        True,
        "w",
        "/v2/action_executions/a",
        0,
    ]


def test_action_decorator_on_a_mistral_class() -> None:
    mistral_lib = pytest.importorskip("mistral_lib.actions")
    from wfq.actions.base import action

    @action("ops.decorated_class", secret=("key",))
    class Decorated(mistral_lib.Action):
        def __init__(self, key: str, n: int = 1) -> None:
            self.key, self.n = key, n

        def run(self, context: Any) -> Any:
            return mistral_lib.Result(data=self.n * 2)

    assert Decorated.name == "ops.decorated_class"
    assert Decorated.signature_text() == "key, n=1" and "key" in Decorated.secret_params
    assert Decorated.fn(context(), key="k", n=4) == 8

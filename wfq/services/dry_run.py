"""Dry runs: a workflow through the real engine with every action mocked (`wfq.engine.dry_run`).

Two doors: `rehearse_stored` (POST /v2/executions with `params.dry_run`: stored workflows, mocks
given or replayed from a past execution) and `rehearse_files` (`wfq test FILE --mocks M.yaml`:
no database at all, for CI). Nothing is stored; no execution appears in any list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from wfq import dsl
from wfq.actions.base import ActionContext
from wfq.actions.registry import ActionRegistry
from wfq.engine import dry_run
from wfq.engine.mocks import Emulator, Mocks
from wfq.errors import ActionFailed, DSLValidationError, InvalidInput
from wfq.persistence.models import WorkflowDefinition
from wfq.persistence.repositories import definitions as defs_repo
from wfq.services import replay
from wfq.services.catalog import StoredCatalog, params_from_spec
from wfq.services.context import Services
from wfq.services.dry_run_expect import compare, report_lines
from wfq.services.starting import check_input, find_workflow, resolve_env
from wfq.types import ActionInfo

__all__ = ["compare", "rehearse_files", "rehearse_stored", "report_lines"]

HARMLESS = frozenset({"std.echo", "std.noop", "std.fail", "std.test_dict"})
"""Actions without side effects: a dry run runs them for real when no mock answers them."""
SILENT = frozenset({"std.sleep", "std.async_noop"})
"""Actions a dry run answers with null at once (no waiting)."""
PARAMS = frozenset({"dry_run", "mocks", "replay"})
"""The params of POST /v2/executions that ask for a dry run."""


def emulator(registry: ActionRegistry) -> Emulator:
    """Run HARMLESS actions in process, answer SILENT ones with null, refuse the rest."""

    def emulate(name: str, given: dict[str, Any]) -> tuple[bool, Any] | None:
        if name in SILENT:
            return True, None
        action = registry.get(name) if name in HARMLESS else None
        if action is None:
            return None
        try:
            return True, action.fn(ActionContext(), **given)
        except ActionFailed as exc:
            return False, exc.data
        except Exception as exc:  # the emulated action's own error, as a worker reports it
            return False, f"The action raised an exception [action={name}, msg='{exc}']"

    return emulate


def _run(
    world: dry_run.World, spec: dsl.WorkflowSpec, wf_input: dict[str, Any], params: dict[str, Any]
) -> dict[str, Any]:
    full = check_input(spec, wf_input)
    report = dry_run.DryRun(world, spec, full, params).run().report()
    report["dry_run"] = True
    return report


def rehearse_stored(
    svc: Services,
    workflow: str,
    *,
    project_id: str,
    namespace: str = "",
    wf_input: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Dry-run a stored workflow; `params.mocks` and/or `params.replay` (an execution id whose
    action results answer the tasks of the same names) say what the actions return."""
    params = dict(params or {})
    mocks = Mocks.from_dict(params.pop("mocks", None))
    replay_id = params.pop("replay", None)
    params.pop("dry_run", None)
    if replay_id is not None:
        if not isinstance(replay_id, str):
            raise InvalidInput("replay must be the id of an execution")
        mocks = replay.merged(replay.mocks_of(svc, replay_id, project_id=project_id), mocks)
    with svc.db.read() as session:
        row, _ = find_workflow(session, workflow, namespace, project_id, None)
        spec = dsl.workflow_from_dict(row.spec)
        params["env"] = resolve_env(session, params.get("env"), project_id)
        loaded: dict[str, dsl.WorkflowSpec | None] = {}

        def workflows(name: str) -> dsl.WorkflowSpec | None:
            if name not in loaded:
                found = _lookup(session, name, row.namespace, project_id, spec.workbook_name)
                loaded[name] = dsl.workflow_from_dict(found.spec) if found is not None else None
            return loaded[name]

        world = dry_run.World(
            mocks=mocks,
            workflows=workflows,
            check_input=check_input,
            catalog=StoredCatalog(svc.registry, session, project_id),
            emulate=emulator(svc.registry),
            now=svc.now(),
        )
        return _run(world, spec, wf_input or {}, params)


def _lookup(
    session: Any, name: str, namespace: str, project_id: str, workbook: str | None
) -> WorkflowDefinition | None:
    for candidate in ([f"{workbook}.{name}"] if workbook and "." not in name else []) + [name]:
        found = defs_repo.find_by_name_or_id(
            session, WorkflowDefinition, candidate, namespace, project_id
        )
        if found is not None:
            return found
    return None


class _FileCatalog:
    """The registry's actions, then the ad-hoc actions defined in the file."""

    def __init__(self, registry: ActionRegistry, actions: list[dsl.ActionSpec]) -> None:
        self.registry = registry
        self.adhoc = {a.name: a for a in actions}

    def get(
        self, name: str, *, namespace: str = "", workbook: str | None = None
    ) -> ActionInfo | None:
        info = self.registry.info(name)
        if info is not None:
            return info
        for candidate in ([f"{workbook}.{name}"] if workbook else []) + [name]:
            spec = self.adhoc.get(candidate)
            if spec is not None:
                return ActionInfo(
                    name=spec.name,
                    params=params_from_spec([p.to_raw() for p in spec.input]),
                    class_name="mistral.actions.adhoc.AdHocAction",
                    base=spec.base,
                    base_input=dict(spec.base_input or {}),
                    output=spec.output,
                )
        return None


def _document(text: str) -> tuple[list[dsl.WorkflowSpec], list[dsl.ActionSpec]]:
    doc = dsl.parse_document(text)
    if doc.kind == "workbook" and doc.workbook is not None:
        return list(doc.workbook.workflows), list(doc.workbook.actions)
    if doc.kind != "workflows":
        raise DSLValidationError([dsl.Issue("", "Expected workflows or a workbook")])
    return list(doc.workflows), list(doc.actions)


def read_mocks_file(text: str) -> dict[str, Any]:
    """MOCKS.yaml: `workflow`, `input`, `env`, `mocks` ({tasks, actions}) and `expect`."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"The mocks file is not valid YAML: {exc}") from None
    allowed = {"workflow", "input", "env", "mocks", "expect"}
    if not isinstance(data, dict) or set(data) - allowed:
        raise InvalidInput(f"The mocks file must be a mapping with keys among {sorted(allowed)}")
    if not isinstance(data.get("input") or {}, dict) or not isinstance(
        data.get("expect") or {}, dict
    ):
        raise InvalidInput("input and expect must be mappings")
    return data


def rehearse_files(text: str, mocks_text: str, *, workflow: str | None = None) -> dict[str, Any]:
    """`wfq test`: dry-run a workflow file with a mocks file; the report lists `mismatches`
    with what `expect` asked for."""
    data = read_mocks_file(mocks_text)
    specs, actions = _document(text)
    by_name = {s.name: dsl.workflow_from_dict(s.to_dict()) for s in specs}
    name = workflow or data.get("workflow") or specs[0].name
    if name not in by_name:
        raise InvalidInput(f"Workflow {name} is not defined in the file (it has {sorted(by_name)})")
    mocks = Mocks.from_dict(data.get("mocks"))
    registry = ActionRegistry.default()
    spec = by_name[name]

    def workflows(wanted: str) -> dsl.WorkflowSpec | None:
        qualified = f"{spec.workbook_name}.{wanted}" if spec.workbook_name else wanted
        return by_name.get(qualified) or by_name.get(wanted)

    world = dry_run.World(
        mocks=mocks,
        workflows=workflows,
        check_input=check_input,
        catalog=_FileCatalog(registry, actions),
        emulate=emulator(registry),
        now=dt.datetime(2000, 1, 1),
    )
    report = _run(world, spec, dict(data.get("input") or {}), {"env": data.get("env") or {}})
    report["mismatches"] = compare(report, data.get("expect") or {})
    return report


def execution_view(
    report: dict[str, Any], *, project_id: str, params: dict[str, Any], now: Any
) -> dict[str, Any]:
    """The dry run shaped like an execution (what Mistral clients expect from a POST), never
    stored: its id starts with `dry-run-`."""
    return {
        "id": report["execution_id"],
        "workflow_id": report["workflow_name"],
        "workflow_name": report["workflow_name"],
        "workflow_namespace": "",
        "description": "dry run",
        "tags": [],
        "params": params,
        "task_execution_id": None,
        "root_execution_id": None,
        "state": report["state"],
        "state_info": report["state_info"],
        "input": report["input"],
        "output": report["output"],
        "published_global": report["published_global"],
        "cron_trigger_id": None,
        "project_id": project_id,
        "created_at": now,
        "updated_at": now,
    }

"""The engine's ActionCatalog over the action registry and the stored ad-hoc actions: read on
demand (`StoredCatalog`, for dry runs and direct action runs), or answered from what was read
before a decision (`KnownActions`, for the decisions on stored executions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wfq.actions.registry import ActionRegistry
from wfq.engine.snapshot import Read, ReadNeeded
from wfq.persistence.db import Session
from wfq.persistence.models import ActionDefinition
from wfq.persistence.repositories import definitions as defs_repo
from wfq.services import dynamic_actions, versions
from wfq.settings import Settings
from wfq.types import ActionInfo, Param


def params_from_spec(inputs: list[Any]) -> tuple[Param, ...]:
    """Params from a stored `input` list: names, or `{name: default}` dicts."""
    out = []
    for item in inputs or []:
        if isinstance(item, dict):
            ((name, default),) = item.items()
            out.append(Param(name, default, required=False))
        else:
            out.append(Param(str(item)))
    return tuple(out)


def _candidates(name: str, workbook: str | None) -> list[str]:
    """The stored names `name` may mean, the workbook-local one first."""
    return [f"{workbook}.{name}", name] if workbook else [name]


def _adhoc_info(name: str, spec: dict[str, Any]) -> ActionInfo:
    return ActionInfo(
        name=name,
        params=params_from_spec(spec.get("input", [])),
        class_name="mistral.actions.adhoc.AdHocAction",
        base=spec["base"],
        base_input=spec.get("base_input") or {},
        output=spec.get("output"),
    )


class StoredCatalog:
    """System actions first, then ad-hoc actions visible to the project (workbook-local first),
    then its dynamic actions (when `settings` lets the project use code sources), and last, with
    `started_at` (when the execution's root started), the kept version of an ad-hoc action
    deleted since then: a running execution keeps what it needs."""

    def __init__(
        self,
        registry: ActionRegistry,
        session: Session,
        project_id: str,
        settings: Settings | None = None,
        started_at: Callable[[], Any] | None = None,
    ) -> None:
        self.registry = registry
        self.session = session
        self.project_id = project_id
        self.settings = settings
        self.started_at = started_at

    def get(
        self, name: str, *, namespace: str = "", workbook: str | None = None
    ) -> ActionInfo | None:
        info = self.registry.info(name)
        if info is not None:
            return info
        candidates = _candidates(name, workbook)
        for candidate in candidates:
            row = self._adhoc(candidate, namespace)
            if row is not None:
                return _adhoc_info(row.name, row.spec)
        found = None
        if self.settings is not None and self.settings.code_source_projects:
            found = dynamic_actions.info(
                self.settings, self.session, name, namespace, self.project_id
            )
        if found is None and self.started_at is not None:
            kept = versions.deleted_spec(
                self.session,
                "action",
                candidates,
                [namespace, ""],
                self.project_id,
                self.started_at(),
            )
            found = _adhoc_info(kept.name, kept.spec) if kept is not None else None
        return found

    def prefetch(
        self, names: set[str], namespace: str, workbook: str | None
    ) -> dict[Read, ActionInfo]:
        """The answers `get` would give for these names, as far as stored ad-hoc actions answer
        them, read in one query per level of `base` (a name found nowhere is left out: a
        request reads it if a decision asks). Used on a decision's first unknown action."""
        answers: dict[Read, ActionInfo] = {}
        todo = {n for n in names if self.registry.info(n) is None}
        while todo:
            wanted = sorted({c for n in todo for c in _candidates(n, workbook)})
            rows = defs_repo.find_all_in_namespaces(
                self.session, ActionDefinition, wanted, [namespace, ""], self.project_id
            )
            bases = set()
            for name in todo:
                row = next((rows[c] for c in _candidates(name, workbook) if c in rows), None)
                if row is not None:
                    info = _adhoc_info(row.name, row.spec)
                    answers[Read("action", (name, namespace, workbook))] = info
                    bases.add(info.base)
            todo = {b for b in bases if isinstance(b, str) and self.registry.info(b) is None}
            todo -= {k.key[0] for k in answers}
        return answers

    def _adhoc(self, name: str, namespace: str) -> ActionDefinition | None:
        return defs_repo.find_in_namespaces(
            self.session, ActionDefinition, name, [namespace, ""], self.project_id
        )


class KnownActions:
    """System actions from the registry (in memory), any other name from `answers`: one not
    answered yet is a `ReadNeeded` for `StoredCatalog` to answer between two decisions."""

    def __init__(self, registry: ActionRegistry, answers: dict[Read, Any]) -> None:
        self.registry = registry
        self.answers = answers

    def get(
        self, name: str, *, namespace: str = "", workbook: str | None = None
    ) -> ActionInfo | None:
        info = self.registry.info(name)
        if info is not None:
            return info
        read = Read("action", (name, namespace, workbook))
        if read not in self.answers:
            raise ReadNeeded(read)
        answer: ActionInfo | None = self.answers[read]
        return answer

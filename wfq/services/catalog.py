"""The engine's ActionCatalog over the action registry and the stored ad-hoc actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from wfq.actions.registry import ActionRegistry
from wfq.persistence.models import ActionDefinition
from wfq.persistence.repositories import definitions as defs_repo
from wfq.services import dynamic_actions
from wfq.settings import Settings
from wfq.types import ActionInfo, Param


def params_from_spec(inputs: list[Any]) -> tuple[Param, ...]:
    """Params from a stored `input` list: names, or `{name: default}` dicts."""
    out = []
    for item in inputs or []:
        if isinstance(item, dict):
            (name, default), = item.items()
            out.append(Param(name, default, required=False))
        else:
            out.append(Param(str(item)))
    return tuple(out)


class StoredCatalog:
    """System actions first, then ad-hoc actions visible to the project (workbook-local first),
    then its dynamic actions (when `settings` lets the project use code sources)."""

    def __init__(
        self, registry: ActionRegistry, session: Session, project_id: str, settings: Settings | None = None
    ) -> None:
        self.registry = registry
        self.session = session
        self.project_id = project_id
        self.settings = settings

    def get(self, name: str, *, namespace: str = "", workbook: str | None = None) -> ActionInfo | None:
        info = self.registry.info(name)
        if info is not None:
            return info
        candidates = [f"{workbook}.{name}", name] if workbook else [name]
        for candidate in candidates:
            row = self._adhoc(candidate, namespace)
            if row is not None:
                spec = row.spec
                return ActionInfo(
                    name=row.name,
                    params=params_from_spec(spec.get("input", [])),
                    class_name="mistral.actions.adhoc.AdHocAction",
                    base=spec["base"],
                    base_input=spec.get("base_input") or {},
                    output=spec.get("output"),
                )
        if self.settings is not None and self.settings.code_source_projects:
            return dynamic_actions.info(self.settings, self.session, name, namespace, self.project_id)
        return None

    def _adhoc(self, name: str, namespace: str) -> ActionDefinition | None:
        return defs_repo.find_in_namespaces(
            self.session, ActionDefinition, name, [namespace, ""], self.project_id
        )

"""What the engine must know about actions: their input signature and, for ad-hoc actions, how
they map onto a base action. The service layer implements `ActionCatalog` over the registry and
the stored ad-hoc definitions."""

from __future__ import annotations

from typing import Protocol

from wfq.types import ActionInfo, Param

__all__ = ["ActionCatalog", "ActionInfo", "Param"]


class ActionCatalog(Protocol):
    """Finds actions by the name a task uses."""

    def get(
        self, name: str, *, namespace: str = "", workbook: str | None = None
    ) -> ActionInfo | None:
        """The action called `name`, or None when no action has that name."""

"""Name -> Action for every action a worker can run: std.* plus custom Python actions."""

from __future__ import annotations

from collections.abc import Iterable

from wfq.actions import std
from wfq.actions.base import Action
from wfq.types import ActionInfo


class ActionRegistry:
    """The system actions known to this process."""

    def __init__(self, actions: Iterable[Action] = ()) -> None:
        self._actions: dict[str, Action] = {}
        for a in actions:
            self.register(a)

    @classmethod
    def default(cls) -> ActionRegistry:
        """The standard library of actions."""
        return cls(std.ACTIONS)

    def register(self, action: Action) -> None:
        self._actions[action.name] = action

    def get(self, name: str) -> Action | None:
        return self._actions.get(name)

    def info(self, name: str) -> ActionInfo | None:
        a = self._actions.get(name)
        return a.info if a else None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._actions.values(), key=lambda a: a.name))

    def __contains__(self, name: object) -> bool:
        return name in self._actions

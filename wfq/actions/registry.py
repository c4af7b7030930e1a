"""Name -> Action for every action a worker can run: std.* plus custom Python actions."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from wfq.actions import http, javascript, mail, plugins, ssh, std
from wfq.actions.base import Action
from wfq.types import ActionInfo

log = logging.getLogger("wfq.actions")

STANDARD: tuple[Action, ...] = (
    *std.ACTIONS,
    *http.ACTIONS,
    *mail.ACTIONS,
    *ssh.ACTIONS,
    *javascript.ACTIONS,
)
"""The standard library of actions, Mistral's std.* names and signatures."""


class ActionRegistry:
    """The system actions known to this process."""

    def __init__(self, actions: Iterable[Action] = ()) -> None:
        self._actions: dict[str, Action] = {}
        for a in actions:
            self.register(a)

    @classmethod
    def default(cls) -> ActionRegistry:
        """The standard library of actions."""
        return cls(STANDARD)

    @classmethod
    def load(cls, settings: Any) -> ActionRegistry:
        """The standard actions, then the custom ones: Mistral action packs (`mistral.actions`
        entry points), `wfq.actions` entry points, then the modules of `settings.action_paths`.
        A custom action never replaces a std.* one; a later source replaces an earlier one."""
        registry = cls.default()
        mistral, own = plugins.MISTRAL_ENTRY_POINT_GROUP, plugins.ENTRY_POINT_GROUP
        sources = (
            (mistral, plugins.from_entry_points(mistral, skip=_STANDARD_NAMES)),
            (own, plugins.from_entry_points(own)),
            ("action_paths", plugins.from_paths(getattr(settings, "action_paths", ""))),
        )
        for source, actions in sources:
            for a in actions:
                registry.add_custom(a, source)
        return registry

    def add_custom(self, action: Action, source: str = "custom") -> bool:
        """Register a custom action unless it would shadow a standard one; True if added."""
        if action.name in _STANDARD_NAMES:
            log.warning(
                "ignoring %s action %s: a standard action has that name", source, action.name
            )
            return False
        if action.name in self._actions:
            log.warning("%s action %s replaces an earlier one of that name", source, action.name)
        self.register(action)
        log.info("loaded %s action %s(%s)", source, action.name, action.signature_text())
        return True

    def register(self, action: Action) -> None:
        self._actions[action.name] = action

    def get(self, name: str) -> Action | None:
        return self._actions.get(name)

    def info(self, name: str) -> ActionInfo | None:
        a = self._actions.get(name)
        return a.info if a else None

    def __iter__(self) -> Iterator[Action]:
        return iter(sorted(self._actions.values(), key=lambda a: a.name))

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def __len__(self) -> int:
        return len(self._actions)


_STANDARD_NAMES = frozenset(a.name for a in STANDARD)

"""The Dispatcher protocol: how committed commands reach workers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class DispatchFailed(Exception):
    """The broker could not take a message (down, restarting, unreachable). What the message
    asked for is committed in the database, so the integrity check sends it again later."""


class Dispatcher(Protocol):
    """Sends work to workers. Called only after the transaction that justifies it committed."""

    def run_actions(
        self, items: Sequence[tuple[str, str | None]], labels: Mapping[str, str] | None = None
    ) -> None:
        """Send `(action_execution_id, queue)` pairs to `wfq.run_action`; `labels` (by action
        execution id) only describe them to people."""

    def run_items(
        self, task_execution_id: str, action_ids: Sequence[str], queue: str | None, label: str = ""
    ) -> None:
        """Start with-items lanes and make sure `ItemsCompleted` follows the last of them."""

    def send(
        self,
        task_name: str,
        args: list[Any],
        queue: str | None = None,
        eta: dt.datetime | None = None,
    ) -> None:
        """Send any named engine message, optionally not before `eta` (naive UTC)."""

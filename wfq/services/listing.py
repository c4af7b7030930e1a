"""The list request every `list_*` use case takes, re-exported for the edges (API, CLI), which
must not import `wfq.persistence`."""

from __future__ import annotations

from wfq.persistence.listing import ListQuery

__all__ = ["ListQuery"]

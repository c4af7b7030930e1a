"""The REST API of wfq: Mistral v2 compatible, built with Flask and flask-restx.

Only this package imports flask and flask_restx; it calls `wfq.services` and nothing below it.
"""

from __future__ import annotations

from wfq.api.app import create_app

__all__ = ["create_app"]

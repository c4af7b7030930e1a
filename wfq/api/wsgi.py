"""The WSGI application for production servers: `granian --interface wsgi wfq.api.wsgi:app`
(docker-compose.yml), or any WSGI server (`gunicorn wfq.api.wsgi:app`).

Settings come from WFQ_* variables; the schema must be migrated first (`wfq db upgrade`).
The API never runs actions itself: it needs a real broker and `wfq worker` processes.
"""

from __future__ import annotations

from wfq import settings as settings_mod
from wfq.api.app import create_app
from wfq.cli.bootstrap import build
from wfq.services.membership import API

_process = build(settings_mod.load(), migrate=False, embedded_worker=False)
_process.join((API,))
app = create_app(_process.services)

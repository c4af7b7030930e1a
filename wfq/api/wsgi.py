"""The WSGI application for production servers: `granian --interface wsgi wfq.api.wsgi:app`
(docker-compose.yml), or any WSGI server (`gunicorn wfq.api.wsgi:app`).

Settings come from WFQ_* variables; the schema must be migrated first (`wfq db upgrade`).
The API never runs actions itself: it needs a real broker and `wfq worker` processes. It sends
through the Celery app workers/app.py makes (the one every process shares) and gets its
Services from the composition root, like every other entry point.
"""

from __future__ import annotations

from wfq import settings as settings_mod
from wfq.api.app import create_app
from wfq.composition import build_services
from wfq.services.membership import API, Membership
from workers.app import make_celery

_settings = settings_mod.load()
_celery = make_celery(_settings)
_services = build_services(_settings, _celery)
_celery.use_services(_services)
_membership = Membership(_settings, (API,), _services.db).start()
app = create_app(_services)

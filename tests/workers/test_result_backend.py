"""The result backend of wfq's Celery app (workers/app.py QuietRedisBackend): chords store
their lanes' results there, and no process ever subscribes to them."""

from __future__ import annotations

from celery import chord

from wfq.dispatch import names
from wfq.settings import Settings
from workers.app import make_celery
from workers.celery_app import QuietRedisBackend

REDIS = "redis://127.0.0.1:6379/11"


def test_sending_a_chord_subscribes_to_no_result() -> None:
    # The API (not a Celery worker) sends the first lanes of a with-items as a chord: Celery's
    # Redis backend would SUBSCRIBE to each lane's result, a round trip each, never read.
    app = make_celery(
        Settings(broker_url="memory://", result_backend=REDIS, queue="q", engine_queue="q.e")
    )
    backend = app.backend
    assert isinstance(backend, QuietRedisBackend)
    sent: list[str] = []
    app.amqp.send_task_message = lambda producer, name, message, **kw: sent.append(name)  # type: ignore[method-assign]
    backend.set_chord_size = lambda group_id, size: None  # type: ignore[method-assign]
    header = [app.signature(names.RUN_ITEMS, args=[f"a{i}", False]) for i in range(3)]
    chord(header)(app.signature(names.CONTINUE_EXECUTION, args=[{}], immutable=True))
    assert sent == [names.RUN_ITEMS] * 3
    assert not getattr(backend.result_consumer, "subscribed_to", set())
    assert backend.result_consumer._pubsub is None

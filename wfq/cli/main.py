"""The `wfq` command: server, worker, beat, run, db, and the monitoring commands (executions,
tasks, watch, graph, flower; see monitoring.py)."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

import click

from wfq import logging_setup
from wfq import settings as settings_mod
from wfq.cli import insight, monitoring


def _settings() -> settings_mod.Settings:
    return settings_mod.load()


@click.group()
@click.option("--log-level", default=None, help="Logging level (default: WFQ_LOG_LEVEL or INFO).")
@click.option(
    "--log-format",
    type=click.Choice(logging_setup.FORMATS),
    envvar="WFQ_LOG_FORMAT",
    default=None,
    help="Log lines as text or JSON (env WFQ_LOG_FORMAT; default text).",
)
@click.pass_context
def main(ctx: click.Context, log_level: str | None, log_format: str | None) -> None:
    """wfq: run Mistral v2 workflows on Celery."""
    s = _settings()
    fmt = log_format or getattr(s, "log_format", "text")
    logging_setup.configure((log_level or s.log_level).upper(), fmt)
    for noisy in ("alembic", "celery", "amqp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    ctx.obj = s


@main.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8989, Mistral's).")
@click.pass_obj
def server(s: settings_mod.Settings, host: str | None, port: int | None) -> None:
    """Run the REST API. With the default broker (memory://) this process is the whole
    service: a worker running up to worker_slots (1000) actions at once (an action that
    only waits, such as std.sleep, holds none), cron triggers and the integrity check. With a
    real broker it is the API only: run `wfq worker` and `wfq beat` beside it."""
    from listener.main import Listener
    from wfq.api.app import create_app
    from wfq.api.serving import serve
    from wfq.cli.bootstrap import build
    from wfq.services import membership

    proc = build(s)
    app = create_app(proc.services)
    roles: tuple[str, ...] = (membership.API,)
    if proc.worker is not None:  # embedded: the worker, beat's work and the listener run here
        roles += (*membership.WORKER_ROLES, membership.SCHEDULER)
        events = Listener(proc.services)
        if events.configured:
            proc.listener = events.start()
            roles += (membership.EVENT_ENGINE,)
    proc.join(roles)
    host, port = host or s.api_host, port or s.api_port
    click.echo(
        f"wfq API on http://{host}:{port}/v2 (database {s.database_url}, broker {s.broker_url})"
    )
    click.echo(f"web page on http://{host}:{port}/ui/, metrics on http://{host}:{port}/metrics")
    try:
        serve(app, host, port, read_timeout_s=s.api_read_timeout_s)
    finally:
        proc.close()


def default_node_name() -> str:
    """A worker's Celery node name, unique on its host: `wfq-<pid>@<host>` (`%h` is the host)."""
    return f"wfq-{os.getpid()}@%h"


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    options_metavar="[OPTIONS] [CELERY WORKER OPTIONS]...",
)
@click.option(
    "--concurrency",
    "-c",
    default=None,
    type=int,
    help="Actions run at once (threads; default: worker_slots, 1000).",
)
@click.option("--queues", "-Q", default=None, help="Queues to consume (default: wfq,wfq.engine).")
@click.option(
    "--hostname",
    "-n",
    default=None,
    help="Celery node name (default wfq-<pid>@<host>: unique for each worker on a host).",
)
@click.pass_context
def worker(
    ctx: click.Context, concurrency: int | None, queues: str | None, hostname: str | None
) -> None:
    """Run a Celery worker that executes actions (needs a real broker).

    By default one process runs up to `worker_slots` (1000) actions at once in threads, and
    engine events (timers, with-items callbacks) on an engine lane of its own; an action that
    only waits (std.sleep, asynchronous actions, subworkflows) holds no slot. Any other option
    is passed to Celery's worker as is (`celery worker --help`), e.g. `--pool prefork -c 4` for CPU-bound actions or
    `--max-tasks-per-child 100` (see docs/operations.md, "Sizing the workers")."""
    from workers.app import make_celery

    s: settings_mod.Settings = ctx.obj
    pool = _pool_option(ctx.args)
    if pool:
        # Celery lets a configured pool win over `--pool prefork` (its default value), so the
        # choice goes into the configuration instead.
        s = s.replace(worker_pool=pool)
    app = make_celery(s)
    threads = s.worker_pool == "threads"
    argv = [
        "worker",
        *([f"--concurrency={concurrency or s.worker_slots}"] if concurrency or threads else []),
        f"--queues={queues or f'{s.queue},{s.engine_queue}'}",
        f"--hostname={hostname or default_node_name()}",
        "--loglevel=INFO",
        *ctx.args,
    ]
    app.worker_main(argv)


def _pool_option(args: list[str]) -> str | None:
    """The value of `--pool X`, `--pool=X`, `-P X` or `-PX` among Celery's extra arguments."""
    for i, arg in enumerate(args):
        if arg in ("--pool", "-P") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--pool="):
            return arg.split("=", 1)[1]
        if arg.startswith("-P") and len(arg) > 2:
            return arg[2:]
    return None


@main.command()
@click.pass_obj
def beat(s: settings_mod.Settings) -> None:
    """Run the periodic work in this process (never queued behind actions): fires cron
    triggers (each instant exactly once, however many beats run; each firing logged) and runs
    the integrity check at start and every recovery_interval_s."""
    import signal
    import threading

    from wfq.cli.bootstrap import build
    from wfq.services.membership import SCHEDULER

    proc = build(s, migrate=False, embedded_worker=False)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    proc.start_periodic_work()
    proc.join((SCHEDULER,))
    logging.getLogger("wfq.beat").info(
        "beat ready: cron triggers every 1 s, integrity check every %g s", s.recovery_interval_s
    )
    while not done.wait(1.0):
        pass
    proc.close()


@main.command()
@click.pass_obj
def listener(s: settings_mod.Settings) -> None:
    """Run the event listener: notifications from RabbitMQ (event_amqp_url) and Redis streams
    (event_redis_url) start the workflows of the matching event triggers."""
    import signal

    from listener.main import Listener
    from wfq.cli.bootstrap import build
    from wfq.services.membership import EVENT_ENGINE

    proc = build(s, embedded_worker=False)
    events = Listener(proc.services)
    if not events.configured:
        raise click.UsageError(
            "set event_amqp_url and/or event_redis_url (WFQ_EVENT_AMQP_URL, ...)"
        )
    proc.listener = events.start()
    proc.join((EVENT_ENGINE,))
    signal.signal(signal.SIGTERM, lambda *_: proc.stopping.set())
    click.echo(
        f"wfq listener on {s.event_amqp_url or '-'} (AMQP) and {s.event_redis_url or '-'} (Redis)"
    )
    try:
        while not proc.stopping.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        proc.close()


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(s: settings_mod.Settings) -> None:
    """Apply every schema migration, printing each one applied."""
    from wfq.persistence.migrate import display_url, upgrade

    applied = upgrade(s.database_url)
    url = display_url(s.database_url)
    for step in applied:
        click.echo(f"applied {step.revision}: {step.message}")
    if applied:
        click.echo(f"database {url} is now at revision {applied[-1].revision}")
    else:
        click.echo(f"database {url} is already up to date")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--input", "input_", default="{}", help="Workflow input as a JSON object.")
@click.option(
    "--workflow", "-w", default=None, help="Which workflow of the file (default: the first)."
)
@click.option("--env", default=None, help="Environment as a JSON object.")
@click.option("--timeout", default=3600.0, type=float, help="Give up after this many seconds.")
@click.pass_obj
def run(
    s: settings_mod.Settings,
    file: str,
    input_: str,
    workflow: str | None,
    env: str | None,
    timeout: float,
) -> None:
    """Run a workflow file to the end, showing task progress; exit 1 if it fails."""
    from wfq.cli import runner

    try:
        wf_input: Any = json.loads(input_)
        params = {"env": json.loads(env)} if env else {}
    except ValueError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}") from exc
    if not isinstance(wf_input, dict):
        raise click.BadParameter("--input must be a JSON object")
    state = runner.run_file(s, file, wf_input, params, workflow, timeout, echo=click.echo)
    sys.exit(0 if state == "SUCCESS" else 1)


monitoring.register(main)
insight.register(main)

if __name__ == "__main__":
    main()

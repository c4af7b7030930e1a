"""The `wfq` commands for people without the mistral client: `executions`, `tasks`, `watch` and
`graph` read the REST API (`--url`, `--token`); `flower` runs Celery's monitoring web UI."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from wfq.cli import graph_text, tables
from wfq.cli.client import DEFAULT_URL, ApiError, Client
from wfq.cli.watch import Watcher

STATES = ("IDLE", "RUNNING", "PAUSED", "SUCCESS", "ERROR", "CANCELLED", "REVERTING", "REVERTED")


def api_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`--url` and `--token`, also read from WFQ_API_URL and WFQ_API_TOKEN."""
    fn = click.option(
        "--token", envvar="WFQ_API_TOKEN", default=None, help="Bearer token (env WFQ_API_TOKEN)."
    )(fn)
    return click.option(
        "--url",
        envvar="WFQ_API_URL",
        default=DEFAULT_URL,
        show_default=True,
        help="The wfq API (env WFQ_API_URL).",
    )(fn)


def _fail(exc: ApiError) -> None:
    raise click.ClickException(exc.message)


@click.command("executions")
@api_options
@click.option("--state", type=click.Choice(STATES, case_sensitive=False), help="Only this state.")
@click.option("--workflow", "-w", default=None, help="Only executions of this workflow (name).")
@click.option("--limit", "-n", default=50, show_default=True, type=click.IntRange(1, 10_000))
def executions_cmd(
    url: str, token: str | None, state: str | None, workflow: str | None, limit: int
) -> None:
    """List executions, newest first."""
    try:
        found = Client(url, token).executions(state, workflow, limit)
    except ApiError as exc:
        _fail(exc)
    click.echo(tables.table(tables.EXECUTION_HEADERS, tables.execution_rows(found)))


@click.command("tasks")
@click.argument("execution_id")
@api_options
def tasks_cmd(execution_id: str, url: str, token: str | None) -> None:
    """List the task executions of EXECUTION_ID, oldest first."""
    client = Client(url, token)
    try:
        client.execution(execution_id)
        found = client.tasks(execution_id)
    except ApiError as exc:
        _fail(exc)
    click.echo(tables.table(tables.TASK_HEADERS, tables.task_rows(found)))


@click.command("watch")
@click.argument("execution_id")
@api_options
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05),
    help="Seconds between polls.",
)
@click.option(
    "--timeout",
    default=0.0,
    type=click.FloatRange(0),
    help="Stop watching after this many seconds (0: never).",
)
def watch_cmd(
    execution_id: str, url: str, token: str | None, interval: float, timeout: float
) -> None:
    """Show EXECUTION_ID's tasks live until it ends; exit 1 unless it ends in SUCCESS."""
    watcher = Watcher(Client(url, token), execution_id, echo=click.echo, live=sys.stdout.isatty())
    try:
        ex = watcher.run(interval, timeout)
    except ApiError as exc:
        _fail(exc)
    sys.exit(0 if ex["state"] == "SUCCESS" else 1)


@click.command("graph")
@click.argument("workflow")
@api_options
@click.option("--namespace", default="", help="Namespace of the workflow name.")
@click.option("--dot", is_flag=True, help="Print Graphviz DOT (pipe it to `dot -Tsvg`).")
def graph_cmd(workflow: str, url: str, token: str | None, namespace: str, dot: bool) -> None:
    """Print the task graph of WORKFLOW (name or id): levels with arrows, or DOT."""
    try:
        graph = Client(url, token).workflow_graph(workflow, namespace)
    except ApiError as exc:
        _fail(exc)
    click.echo(graph_text.as_dot(graph) if dot else graph_text.as_text(graph))


@click.command(
    "flower", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
@click.option(
    "--port", default=5555, show_default=True, type=int, help="Port of the Flower web UI."
)
@click.option(
    "--address",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (Flower's own default is every interface, without a password).",
)
@click.pass_context
def flower_cmd(ctx: click.Context, port: int, address: str) -> None:
    """Run Flower, Celery's monitoring web UI, on wfq's broker (needs `pip install flower`).

    It listens on 127.0.0.1 unless --address says otherwise: set a password
    (`--basic-auth=ops:secret`) before listening beyond loopback. Extra options go to Flower.
    """
    settings = ctx.find_root().obj
    try:
        import flower  # type: ignore[import-untyped]  # noqa: F401 (only checks it is installed)
    except ImportError:
        raise click.ClickException("Flower is not installed: pip install flower") from None
    if settings.embedded:
        raise click.ClickException(
            "Flower needs a real broker: set WFQ_BROKER_URL (the embedded memory:// broker "
            "lives inside the `wfq server` process)"
        )
    from workers.app import make_celery

    app = make_celery(settings)
    app.start(["flower", f"--address={address}", f"--port={port}", *ctx.args])


COMMANDS = (executions_cmd, tasks_cmd, watch_cmd, graph_cmd, flower_cmd)


def register(group: click.Group) -> None:
    """Add the monitoring commands to the `wfq` group."""
    for command in COMMANDS:
        group.add_command(command)

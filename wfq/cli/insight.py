"""`wfq explain ID` (why an execution or task waits), `wfq evaluate TASK EXPRESSION` (through
the REST API) and `wfq test FILE --mocks MOCKS.yaml` (a dry run in this process, for CI)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from wfq.cli.client import ApiError, Client
from wfq.cli.monitoring import api_options


def explanation_lines(answer: dict[str, Any], indent: str = "") -> list[str]:
    """An explain answer as text lines (subworkflows indented under their task)."""
    head = answer.get("execution_id", "")
    lines = [f"{indent}execution {head} ({answer.get('workflow_name')}) {answer.get('state')}"]
    lines.append(f"{indent}  {answer.get('summary', '')}")
    for reason in answer.get("tasks", [answer] if "waiting_on" in answer else []):
        state = reason.get("state") or "not run"
        lines.append(
            f"{indent}  - {reason['task']} [{state}] {reason.get('waiting_on') or ''}: {reason['message']}"
        )
        inner = (reason.get("details") or {}).get("explain")
        if inner:
            lines += explanation_lines(inner, indent + "      ")
    return lines


@click.command("explain")
@click.argument("ident")
@api_options
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")
def explain_cmd(ident: str, url: str, token: str | None, as_json: bool) -> None:
    """Why execution (or task execution) IDENT waits, or why some of its tasks never ran."""
    client = Client(url, token)
    try:
        answer = client.get(f"v2/executions/{ident}/explain")
    except ApiError as exc:
        if exc.status != 404:
            raise click.ClickException(exc.message) from None
        try:
            answer = client.get(f"v2/tasks/{ident}/explain")
        except ApiError as exc2:
            raise click.ClickException(exc2.message) from None
    if as_json:
        click.echo(json.dumps(answer, indent=2, sort_keys=True))
        return
    click.echo("\n".join(explanation_lines(answer)))


@click.command("evaluate")
@click.argument("task_id")
@click.argument("expression")
@api_options
@click.option(
    "--outbound", is_flag=True, help="Evaluate after the task's publish (what its transitions saw)."
)
def evaluate_cmd(
    task_id: str, expression: str, url: str, token: str | None, outbound: bool
) -> None:
    """Evaluate EXPRESSION against the context task execution TASK_ID saw; exit 1 on an error."""
    body = {"expression": expression, "context": "outbound" if outbound else "inbound"}
    try:
        answer = Client(url, token).post(f"v2/tasks/{task_id}/evaluate", body)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    if "error" in answer:
        click.echo(answer["error"], err=True)
        sys.exit(1)
    click.echo(json.dumps(answer["value"], indent=2, sort_keys=True, default=str))


@click.command("test")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--mocks",
    "mocks_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="YAML: the mocked action results, the input, and the expected outcome.",
)
@click.option(
    "--workflow", "-w", default=None, help="Which workflow of FILE (default: MOCKS' or the first)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole dry-run report as JSON.")
def test_cmd(file: str, mocks_file: str, workflow: str | None, as_json: bool) -> None:
    """Dry-run FILE's workflow with every action mocked (nothing runs, nothing is stored);
    exit 1 when the outcome differs from what MOCKS expects."""
    from wfq.errors import WfqError
    from wfq.services import dry_run

    try:
        with open(file, encoding="utf-8") as f, open(mocks_file, encoding="utf-8") as m:
            report = dry_run.rehearse_files(f.read(), m.read(), workflow=workflow)
    except WfqError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True, default=str))
    else:
        click.echo("\n".join(dry_run.report_lines(report)))
    sys.exit(1 if report.get("mismatches") else 0)


COMMANDS = (explain_cmd, evaluate_cmd, test_cmd)


def register(group: click.Group) -> None:
    """Add the why and what-if commands to the `wfq` group."""
    for command in COMMANDS:
        group.add_command(command)

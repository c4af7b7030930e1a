"""Mocks replayed from a past execution: each task name answers with the results its action
executions had there (in the order they ran), in the execution and in its subworkflows."""

from __future__ import annotations

from wfq.engine.mocks import Mocks, Outcome
from wfq.errors import NotFound
from wfq.persistence.models import WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.persistence.repositories import insight as insight_repo
from wfq.services.context import Services
from wfq.states import State

MAX_EXECUTIONS = 1000
"""Executions of one tree read for a replay (a root and its subworkflows)."""


def mocks_of(svc: Services, execution_id: str, *, project_id: str) -> Mocks:
    """Outcomes by task name from the execution `execution_id` and its subworkflows."""
    with svc.db.read() as session:
        ex = session.get(WorkflowExecution, execution_id)
        if ex is None or ex.project_id != project_id:
            raise NotFound(f"WorkflowExecution not found [id={execution_id}]")
        tree: list[str] = []
        todo = [ex.id]
        while todo and len(tree) < MAX_EXECUTIONS:
            tree += todo
            todo = [c.id for e in todo for c in repo.children_of(session, e)]
        rows = insight_repo.action_results_by_task(session, tree)
    tasks: dict[str, list[Outcome]] = {}
    for name, state, output in rows:
        if state not in (State.SUCCESS, State.ERROR):
            continue
        result = output.get("result") if isinstance(output, dict) else output
        tasks.setdefault(name, []).append(Outcome(state == State.SUCCESS, result))
    return Mocks(tasks=tasks)


def merged(replayed: Mocks, given: Mocks) -> Mocks:
    """Replayed outcomes, with the mocks given explicitly taking precedence."""
    return Mocks(
        tasks={**replayed.tasks, **given.tasks}, actions={**replayed.actions, **given.actions}
    )

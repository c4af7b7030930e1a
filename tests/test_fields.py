"""The field descriptions of `wfq.fields` and the tables of `wfq.persistence.models` agree:
every described field comes from a column (or a declared function, or a service adding it),
and every column is either a field's source or declared internal, so the two cannot drift."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect

from wfq import fields
from wfq.actions.registry import ActionRegistry
from wfq.persistence import models
from wfq.services.action_definitions import system_view

MODELS: dict[str, type[Any]] = {
    "execution": models.WorkflowExecution,
    "task": models.TaskExecution,
    "action_execution": models.ActionExecution,
    "workflow": models.WorkflowDefinition,
    "workbook": models.Workbook,
    "action": models.ActionDefinition,
    "code_source": models.CodeSource,
    "dynamic_action": models.DynamicActionDefinition,
    "environment": models.Environment,
    "cron_trigger": models.CronTrigger,
    "event_trigger": models.EventTrigger,
    "member": models.ResourceMember,
    "service": models.ServiceMember,
    "version": models.DefinitionVersion,
}


def _columns(model: type[Any]) -> set[str]:
    return {c.key for c in inspect(model).columns}


def test_every_resource_is_checked() -> None:
    assert sorted(MODELS) == sorted(r.name for r in fields.ALL)


@pytest.mark.parametrize("resource", fields.ALL, ids=lambda r: r.name)
def test_each_field_comes_from_a_column_or_a_declared_function(resource: fields.Resource) -> None:
    columns = _columns(MODELS[resource.name])
    for f in resource.fields:
        assert f.column in columns or f.compute is not None or f.added, f.name


@pytest.mark.parametrize("resource", fields.ALL, ids=lambda r: r.name)
def test_each_column_is_described_or_internal(resource: fields.Resource) -> None:
    sources = {f.column for f in resource.fields} | {f.name for f in resource.fields if f.compute}
    columns = _columns(MODELS[resource.name])
    assert sorted(columns - sources - set(resource.internal)) == []
    assert sorted(set(resource.internal) - columns) == [], "internal names no column"
    assert sorted(set(resource.internal) & sources) == [], "internal yet described"


@pytest.mark.parametrize("resource", fields.ALL, ids=lambda r: r.name)
def test_lists_filter_on_columns_only(resource: fields.Resource) -> None:
    assert sorted(resource.filterable - _columns(MODELS[resource.name])) == []


@pytest.mark.parametrize("resource", fields.ALL, ids=lambda r: r.name)
def test_field_names_are_unique(resource: fields.Resource) -> None:
    names = [f.name for f in resource.fields]
    assert len(names) == len(set(names))


def test_a_system_action_shows_the_fields_of_an_action() -> None:
    # A system action is no row: its view is written by hand, so check it against ACTION.
    echo = ActionRegistry.default().get("std.echo")
    assert echo is not None
    assert list(system_view(echo)) == [f.name for f in fields.ACTION.fields]

"""`/v2/executions`: start (201, JSON-string fields, RUNNING), get, list, tasks of one, and the
POST errors of Mistral's table."""

from __future__ import annotations

import json
import re
from typing import Any

from api_helpers import TIMESTAMP, fault, start

CREATED_KEYS = {
    "id",
    "workflow_id",
    "workflow_name",
    "workflow_namespace",
    "description",
    "tags",
    "params",
    "task_execution_id",
    "root_execution_id",
    "state",
    "state_info",
    "input",
    "output",
    "created_at",
    "updated_at",
    "project_id",
    "cron_trigger_id",  # wfq's addition: the trigger that started it (null otherwise)
    "workflow_version",  # wfq's addition: the version of the workflow it runs (docs/versions.md)
}


def test_start_answers_201_running_with_json_strings(
    client: Any, greet: dict[str, Any], dispatcher: Any
) -> None:
    r = start(client, "greet", {"name": "x"})
    assert r.status_code == 201
    assert r.headers["Content-Type"] == "application/json"
    ex = r.get_json()
    assert set(ex) == CREATED_KEYS
    assert ex["state"] == "RUNNING"
    assert ex["workflow_id"] == greet["id"]
    assert ex["workflow_name"] == "greet"
    assert ex["workflow_namespace"] == ""
    assert ex["description"] == ""
    assert ex["tags"] == []
    assert json.loads(ex["input"]) == {"name": "x", "greeting": "hi"}  # defaults merged in
    assert json.loads(ex["params"]) == {"namespace": "", "env": {}}
    assert ex["workflow_version"] == 1
    assert ex["output"] == "{}"
    assert ex["task_execution_id"] is None and ex["root_execution_id"] is None
    assert ex["state_info"] is None
    assert ex["project_id"] == "<default-project>"
    assert re.match(TIMESTAMP, ex["created_at"]) and re.match(TIMESTAMP, ex["updated_at"])
    assert len(dispatcher.sent) == 1  # one run_action for the task `say`
    action_id, _queue = dispatcher.sent[0]
    r = client.get(f"/v2/action_executions/{action_id}")
    assert r.status_code == 200


def test_start_by_id_with_objects_params_and_description(
    client: Any, greet: dict[str, Any]
) -> None:
    body = {
        "workflow_id": greet["id"],
        "input": {"name": "y"},
        "description": "d",
        "params": {"env": {"k": "v"}},
    }
    r = client.post("/v2/executions", json=body)
    assert r.status_code == 201, r.get_json()
    ex = r.get_json()
    assert ex["description"] == "d"
    assert json.loads(ex["params"]) == {"namespace": "", "env": {"k": "v"}}
    assert json.loads(ex["input"]) == {"name": "y", "greeting": "hi"}


def test_start_again_from_a_source_execution(client: Any, greet: dict[str, Any]) -> None:
    source = start(
        client,
        "greet",
        {"name": "y", "greeting": "yo"},
        description="first",
        params=json.dumps({"env": {"k": "v"}}),
    ).get_json()
    again = client.post("/v2/executions", json={"source_execution_id": source["id"]})
    assert again.status_code == 201, again.get_json()
    ex = again.get_json()
    assert ex["id"] != source["id"]
    assert ex["workflow_name"] == "greet"
    assert json.loads(ex["input"]) == {"name": "y", "greeting": "yo"}
    assert json.loads(ex["params"])["env"] == {"k": "v"}
    assert ex["description"] == "first"
    # What the body gives wins over the source.
    mine = client.post(
        "/v2/executions",
        json={
            "source_execution_id": source["id"],
            "input": json.dumps({"name": "z"}),
            "description": "second",
        },
    ).get_json()
    assert json.loads(mine["input"]) == {"name": "z", "greeting": "hi"}
    assert mine["description"] == "second"
    unknown = client.post("/v2/executions", json={"source_execution_id": "no-such-execution"})
    assert fault(unknown, 404) == "WorkflowExecution not found [id=no-such-execution]"


def test_start_with_params_as_json_string(client: Any, greet: dict[str, Any]) -> None:
    r = start(client, "greet", {"name": "y"}, params=json.dumps({"env": {"a": 1}}))
    assert r.status_code == 201
    assert json.loads(r.get_json()["params"])["env"] == {"a": 1}


def test_start_with_client_chosen_id_is_idempotent(client: Any, greet: dict[str, Any]) -> None:
    ex_id = "0f0e0d0c-0000-4000-8000-000000000001"
    first = start(client, "greet", {"name": "x"}, id=ex_id)
    assert first.status_code == 201
    assert first.get_json()["id"] == ex_id
    again = start(client, "greet", {"name": "x"}, id=ex_id)
    assert again.status_code == 201
    assert again.get_json()["id"] == ex_id
    assert len(client.get("/v2/executions").get_json()["executions"]) == 1
    assert "Invalid execution id" in fault(start(client, "greet", {"name": "x"}, id="a" * 40), 400)


def test_get_has_every_field(client: Any, execution: dict[str, Any]) -> None:
    r = client.get(f"/v2/executions/{execution['id']}")
    assert r.status_code == 200
    ex = r.get_json()
    assert set(ex) == CREATED_KEYS | {"published_global"}
    assert ex["published_global"] == "{}"
    assert ex["output"] == "{}"
    assert ex["input"] == execution["input"]


def test_list_omits_big_fields(client: Any, execution: dict[str, Any]) -> None:
    r = client.get("/v2/executions")
    assert r.status_code == 200
    (ex,) = r.get_json()["executions"]
    assert set(ex) == CREATED_KEYS - {"output"}
    assert ex["id"] == execution["id"]
    assert isinstance(ex["input"], str) and isinstance(ex["params"], str)


def test_tasks_of_an_execution(client: Any, execution: dict[str, Any]) -> None:
    r = client.get(f"/v2/executions/{execution['id']}/tasks")
    assert r.status_code == 200
    (task,) = r.get_json()["tasks"]
    assert task["name"] == "say"
    assert task["workflow_execution_id"] == execution["id"]
    assert client.get("/v2/executions/nope/tasks").get_json() == {"tasks": []}


def test_unknown_execution_is_404(client: Any) -> None:
    ex_id = "00000000-0000-0000-0000-000000000000"
    msg = fault(client.get(f"/v2/executions/{ex_id}"), 404)
    assert msg == f"WorkflowExecution not found [id={ex_id}]"


def test_unknown_workflow_is_404(client: Any) -> None:
    msg = fault(start(client, "no_such_wf"), 404)
    assert msg == "Workflow not found [workflow_identifier=no_such_wf, namespace=]"


def test_missing_input_is_400(client: Any, greet: dict[str, Any]) -> None:
    msg = fault(start(client, "greet", {}), 400)
    assert msg == "Invalid input [name=greet, class=DirectWorkflowSpec, missing=['name']]"


def test_unexpected_input_is_400(client: Any, greet: dict[str, Any]) -> None:
    msg = fault(start(client, "greet", {"name": "x", "bogus": 1}), 400)
    assert msg == "Invalid input [name=greet, class=DirectWorkflowSpec, unexpected=['bogus']]"


def test_input_not_json_is_400(client: Any, greet: dict[str, Any]) -> None:
    body = {"workflow_name": "greet", "input": "{not json"}
    msg = fault(
        client.post("/v2/executions", data=json.dumps(body), content_type="application/json"), 400
    )
    assert msg == (
        "Invalid input for field/attribute wf_ex. Value: "
        "'{'workflow_name': 'greet', 'input': '{not json'}'. "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )


def test_input_not_an_object_is_400(client: Any, greet: dict[str, Any]) -> None:
    r = client.post("/v2/executions", json={"workflow_name": "greet", "input": "[1, 2]"})
    assert fault(r, 400) == "JsonType field value must be a dictionary [actual=[1, 2]]"
    r = client.post("/v2/executions", json={"workflow_name": "greet", "params": [1]})
    assert fault(r, 400) == "JsonType field value must be a dictionary [actual=[1]]"


def test_no_workflow_is_400(client: Any) -> None:
    msg = fault(client.post("/v2/executions", json={"input": "{}"}), 400)
    assert msg == "Workflow ID or workflow name must be provided. Workflow ID is recommended."


def test_body_not_json_is_400(client: Any) -> None:
    r = client.post("/v2/executions", data="nope", content_type="application/json")
    assert fault(r, 400) == "Request is not in valid JSON format"
    r = client.post("/v2/executions", data="", content_type="text/plain")
    assert fault(r, 400) == "Request is not in valid JSON format"


def test_bad_body_types_are_400(client: Any) -> None:
    fault(client.post("/v2/executions", json=[1, 2]), 400)
    fault(client.post("/v2/executions", json={"workflow_name": 5}), 400)
    msg = fault(client.post("/v2/executions", json={"workflow_name": "x", "bogus": 1}), 400)
    assert msg == "Unknown attribute for argument wf_ex: bogus"


def test_read_only_fields_are_ignored(client: Any, greet: dict[str, Any]) -> None:
    r = start(client, "greet", {"name": "x"}, state="SUCCESS", output="{}")
    assert r.status_code == 201
    assert r.get_json()["state"] == "RUNNING"


def test_update_and_delete_of_unknown_execution(client: Any) -> None:
    fault(client.put("/v2/executions/nope", json={"state": "PAUSED"}), 404)
    fault(client.delete("/v2/executions/nope"), 404)
    assert fault(client.delete("/v2/executions"), 400) == 'Missing argument: "id"'


def test_list_with_include_output(client: Any, execution: dict[str, Any]) -> None:
    (ex,) = client.get("/v2/executions?include_output=true").get_json()["executions"]
    assert ex["output"] == "{}"
    assert "published_global" not in ex


def test_all_projects_is_ignored_when_authentication_is_off(
    client: Any, execution: dict[str, Any]
) -> None:
    assert len(client.get("/v2/executions?all_projects=true").get_json()["executions"]) == 1

"""`/v2/event_triggers` (create, list, get, update, delete; Mistral's shapes) and `POST
/v2/events`, which hands one event to the triggers over HTTP (the listener process takes them
from RabbitMQ and Redis)."""

from __future__ import annotations

import dataclasses
from typing import Any

import flask
from flask_restx import Api, Resource

from wfq.api import bodies
from wfq.api.context import ApiContext
from wfq.api.encoding import EVENT_TRIGGER, empty_response, encode, json_response
from wfq.api.schemas import FILTER_NOTE, LIST_PARAMS, Models
from wfq.errors import InvalidInput
from wfq.services import event_triggers, events

_STRINGS = ("name", "workflow_id", "exchange", "topic", "event", "scope")
_JSONS = ("workflow_input", "workflow_params")
_IGNORED = ("id", "project_id", "created_at", "updated_at")
_EVENT_STRINGS = ("exchange", "topic", "event_type", "publisher_id", "message_id", "timestamp")


def _trigger_body(ctx: ApiContext) -> dict[str, Any]:
    body = bodies.require_object(ctx.json_body(), "event_trigger")
    bodies.refuse_unknown(body, (*_STRINGS, *_JSONS, *_IGNORED), "event_trigger")
    bodies.strings(body, _STRINGS)
    values = {k: body.get(k) for k in _STRINGS}
    for name in _JSONS:
        values[name] = (
            bodies.json_object(body, name, "event_trigger") if body.get(name) is not None else None
        )
    return values


def _event(ctx: ApiContext, project: str) -> events.Event:
    """The posted event; with authentication on, its project is the caller's."""
    body = bodies.require_object(ctx.json_body(), "event")
    bodies.strings(body, _EVENT_STRINGS)
    exchange, topic = body.get("exchange"), body.get("topic")
    if not exchange or not topic:
        raise InvalidInput("An event needs an exchange and a topic")
    message = {k: v for k, v in body.items() if k not in ("exchange", "topic")}
    event = events.from_notification(exchange, topic, message)
    if ctx.auth.enabled:  # whatever the body (or its oslo envelope) claims
        event = dataclasses.replace(event, context={**event.context, "project_id": project})
    return event


def register(api: Api, ctx: ApiContext, models: Models) -> None:
    """Add the event triggers and events namespaces to `api`."""
    m = models.more
    ns = api.namespace("event_triggers", path="/v2/event_triggers", description="Event triggers")
    converter: list[events.Converter] = []

    @ns.route("")
    class EventTriggers(Resource):
        @ns.doc(params=LIST_PARAMS, description=FILTER_NOTE)
        @ns.response(200, "A page of event triggers", m.event_triggers)
        def get(self) -> flask.Response:
            """List event triggers."""
            project = ctx.project()
            req = ctx.list_request(EVENT_TRIGGER)
            views = event_triggers.list_event_triggers(ctx.services, req.query, project_id=project)
            return ctx.list_response(EVENT_TRIGGER, req, views)

        @ns.expect(m.event_trigger_create)
        @ns.response(201, "The trigger created", m.event_trigger)
        @ns.response(404, "No such workflow", models.fault)
        @ns.response(409, "The project has this trigger already", models.fault)
        def post(self) -> flask.Response:
            """Create an event trigger."""
            project = ctx.project()
            view = event_triggers.create_event_trigger(
                ctx.services, _trigger_body(ctx), project_id=project
            )
            return json_response(encode(EVENT_TRIGGER, view), 201)

    @ns.route("/<string:trigger_id>")
    @ns.doc(params={"trigger_id": "the trigger's id"})
    class EventTrigger(Resource):
        @ns.response(200, "The trigger", m.event_trigger)
        @ns.response(404, "No such trigger", models.fault)
        def get(self, trigger_id: str) -> flask.Response:
            """Get an event trigger."""
            project = ctx.project()
            view = event_triggers.get_event_trigger(ctx.services, trigger_id, project_id=project)
            return json_response(encode(EVENT_TRIGGER, view))

        @ns.expect(m.event_trigger_update)
        @ns.response(200, "The trigger updated", m.event_trigger)
        @ns.response(404, "No such trigger", models.fault)
        def put(self, trigger_id: str) -> flask.Response:
            """Change a trigger's name, workflow input, params or scope."""
            project = ctx.project()
            view = event_triggers.update_event_trigger(
                ctx.services, trigger_id, _trigger_body(ctx), project_id=project
            )
            return json_response(encode(EVENT_TRIGGER, view))

        @ns.response(204, "Deleted")
        @ns.response(404, "No such trigger", models.fault)
        def delete(self, trigger_id: str) -> flask.Response:
            """Delete an event trigger."""
            project = ctx.project()
            event_triggers.delete_event_trigger(ctx.services, trigger_id, project_id=project)
            return empty_response()

    ev = api.namespace("events", path="/v2/events", description="Posting an event to the triggers")

    @ev.route("")
    class Events(Resource):
        @ev.expect(m.event)
        @ev.response(200, "The executions the event started (or had started)", m.event_result)
        def post(self) -> flask.Response:
            """Hand one notification to the event triggers (the same message_id twice starts
            one execution per trigger)."""
            project = ctx.project()
            event = _event(ctx, project)
            if not converter:
                converter.append(
                    events.Converter.from_file(ctx.services.settings.event_definitions_file)
                )
            started = events.fire(ctx.services, event, converter[0])
            return json_response({"message_id": event.message_id, "executions": started})

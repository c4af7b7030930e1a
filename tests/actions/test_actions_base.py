"""The action model: signatures, secrets kept out of logs, settings seen by actions, and the
standard registry."""

from __future__ import annotations

from typing import Any

import pytest

from wfq.actions.base import SECRET_PARAMS, Action, ActionContext, redact
from wfq.actions.registry import ActionRegistry
from wfq.errors import ActionFailed
from wfq.settings import Settings
from wfq.types import Param

STANDARD = {
    "std.async_noop",
    "std.echo",
    "std.email",
    "std.fail",
    "std.http",
    "std.javascript",
    "std.js",
    "std.mistral_http",
    "std.noop",
    "std.sleep",
    "std.ssh",
    "std.ssh_proxied",
    "std.test_dict",
    "std.wait_ssh",
}


def test_registry_holds_the_standard_library() -> None:
    reg = ActionRegistry.default()
    assert {a.name for a in reg} == STANDARD and len(reg) == len(STANDARD)
    for a in reg:
        assert a.description, a.name
    assert reg.info("std.http").class_name == "mistral.actions.std_actions.HTTPAction"  # type: ignore[union-attr]
    assert reg.get("std.http").signature_text() == (  # type: ignore[union-attr]
        'url, method="GET", params=null, body=null, json=null, headers=null, cookies=null, '
        "auth=null, timeout=null, allow_redirects=null, proxies=null, verify=null"
    )


def test_load_without_plugins_is_the_standard_library() -> None:
    assert {a.name for a in ActionRegistry.load(Settings())} >= STANDARD


def test_basic_actions_keep_their_behaviour() -> None:
    reg, ctx = ActionRegistry.default(), ActionContext()
    assert reg.get("std.noop").fn(ctx) is None  # type: ignore[union-attr]
    assert reg.get("std.echo").fn(ctx, output={"a": 1}) == {"a": 1}  # type: ignore[union-attr]
    assert reg.get("std.test_dict").fn(ctx, size=2, key_prefix="k", val="v") == {
        "k0": "v",
        "k1": "v",
    }  # type: ignore[union-attr]
    assert reg.get("std.sleep").fn(ctx, seconds=0) is None  # type: ignore[union-attr]
    assert reg.get("std.async_noop").is_sync is False  # type: ignore[union-attr]
    with pytest.raises(ActionFailed):
        reg.get("std.fail").fn(ctx, error_data="boom")  # type: ignore[union-attr]
    with pytest.raises(Exception, match="Fail action expected exception."):
        reg.get("std.fail").fn(ctx)  # type: ignore[union-attr]


def test_redact_masks_secret_inputs_at_the_top_and_credentials_below() -> None:
    given = {
        "host": "db1",
        "username": "ops",
        "password": "hunter2",
        "smtp_password": "x",
        "private_key": "-----BEGIN",
        "token": "t",
        "secret": "s",
        "api_key": "k",
        "auth": "u:p",
        "headers": {"Authorization": "Bearer abc", "Accept": "json", "X-Api-Key": "k"},
        "params": [{"access_token": "t", "page": 2}],
        "none_given": None,
        "password2": None,
    }
    safe = redact(given)
    assert safe["host"] == "db1" and safe["username"] == "ops"
    for key in ("password", "smtp_password", "private_key", "token", "secret", "api_key", "auth"):
        assert safe[key] == "***", key
    assert safe["headers"] == {"Authorization": "***", "Accept": "json", "X-Api-Key": "***"}
    assert safe["params"] == [{"access_token": "***", "page": 2}]
    assert safe["none_given"] is None and safe["password2"] is None  # nothing to hide
    assert given["password"] == "hunter2"  # the input itself is untouched
    assert redact(None) == {}


def test_redact_uses_the_actions_own_secret_params() -> None:
    a = Action(name="x.y", fn=lambda ctx: None, secret_params=frozenset({"vault_pin"}))
    assert a.redact({"vault_pin": "1234", "n": 1}) == {"vault_pin": "***", "n": 1}
    assert redact({"vault_pin": "1234"}, ["vault_pin"]) == {"vault_pin": "***"}
    assert {"password", "smtp_password", "private_key", "token", "secret"} <= SECRET_PARAMS


def test_std_actions_declare_their_secrets() -> None:
    reg = ActionRegistry.default()
    assert reg.get("std.email").redact({"smtp_password": "p"}) == {"smtp_password": "***"}  # type: ignore[union-attr]
    assert reg.get("std.ssh").redact({"password": "p", "private_key": "k", "cmd": "ls"}) == {  # type: ignore[union-attr]
        "password": "***",
        "private_key": "***",
        "cmd": "ls",
    }
    assert reg.get("std.http").redact({"cookies": {"s": "1"}, "url": "u"})["cookies"] == "***"  # type: ignore[union-attr]


def test_signature_text_survives_defaults_json_cannot_show() -> None:
    a = Action(
        name="x", fn=lambda ctx: None, params=(Param("when", default=object, required=False),)
    )
    assert a.signature_text().startswith("when=<class 'object'>")


def test_context_settings_fall_back_to_defaults() -> None:
    assert ActionContext().setting("http_default_timeout_s") == Settings().http_default_timeout_s
    ctx = ActionContext(action_execution_id="a1", settings=Settings(js_timeout_s=1.5))
    assert ctx.setting("js_timeout_s") == 1.5 and ctx.callback_url == "/v2/action_executions/a1"


def test_settings_from_environment() -> None:
    from wfq import settings

    s: Any = settings.load(
        {
            "WFQ_HTTP_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WFQ_ACTION_PATHS": "/srv/actions",
            "WFQ_HTTP_DEFAULT_TIMEOUT_S": "5",
            "WFQ_HTTP_MAX_RESPONSE_KB": "64",
        }
    )
    assert s.http_allowed_hosts == "127.0.0.1,localhost" and s.action_paths == "/srv/actions"
    assert s.http_default_timeout_s == 5.0 and s.http_max_response_kb == 64

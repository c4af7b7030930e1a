"""The one settings object: defaults, overridden by a TOML file, overridden by WFQ_* variables.

Nothing reads the environment anywhere else; `load()` is called once by each entry point and the
resulting `Settings` is passed down explicitly.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EMBEDDED_BROKER = "memory://"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of wfq, with its default. `config/wfq.toml` documents each one."""

    database_url: str = "sqlite:///wfq.sqlite"
    """SQLAlchemy URL. SQLite file in the working directory by default; PostgreSQL in production."""
    broker_url: str = EMBEDDED_BROKER
    """Celery broker. `memory://` means embedded: the worker runs inside the API/CLI process."""
    result_backend: str = ""
    """Celery result backend, needed only for with-items chords on a real broker."""
    queue: str = "wfq"
    """Default Celery queue for actions; a task's `target` routes to a queue of that name."""
    engine_queue: str = "wfq.engine"
    """Celery queue for engine messages (timers, subworkflow completions, chord callbacks)."""
    task_events: bool = False
    """Celery task events from the start (Flower turns them on itself when it connects)."""
    worker_slots: int = 1000
    """Actions one worker process runs at once: the threads of its pool (`wfq worker -c N`).
    An action that only waits (std.sleep, wait-before/wait-after, retry delays, asynchronous
    actions, subworkflows) holds none while it waits."""
    worker_pool: str = "threads"
    """The Celery pool of a worker: `threads` (wfq's design: `worker_slots` threads and an
    engine lane), or `prefork` (processes, for CPU-bound actions; `wfq worker --pool prefork`)."""
    worker_engine_slots: int = 4
    """Threads of a worker process that apply engine events (due timers, with-items callbacks,
    the wake-up of a waiting action), apart from the action slots: they never queue behind
    actions."""
    database_pool_size: int = 10
    """Database connections one process keeps. A worker's action slots use one only to claim
    an action and to record its result (the transition that follows); a thread that finds all
    busy waits its turn (up to 10 minutes). See docs/architecture.md, "Sizing"."""
    api_host: str = "127.0.0.1"
    api_port: int = 8989
    """Where `wfq server` listens (Mistral's port by default)."""
    public_url: str = ""
    """The API's URL as clients reach it (e.g. `https://wfq.example.com`), used for the `next`
    link of lists and the links of `GET /`. Empty: `next` is a path from the server's root
    (`/v2/executions?...`) and never built from the client's Host header."""
    api_read_timeout_s: float = 30.0
    """`wfq server` (the embedded werkzeug server): a connection whose client sends nothing for
    this long (e.g. a body shorter than its Content-Length) is closed. 0: no timeout."""
    sync_action_timeout_s: float = 60.0
    """Longest run of an action that POST /v2/action_executions runs inside the request
    (`run_sync`, or a direct run that stores nothing): it runs in a child process that is
    stopped then, and the action execution ends ERROR."""
    sync_action_memory_mb: int = 512
    """Memory such an action may allocate (its child process's address space above the
    API's); beyond it the action ends ERROR. 0: no cap."""
    field_size_limit_kb: int = 1024
    """Largest input, output, published or result value stored, in KiB (Mistral: 1 MiB)."""
    definition_size_limit_kb: int = 1024
    """Largest workflow, workbook or action definition accepted, in KiB."""
    max_tasks_per_workflow: int = 1000
    """Largest number of tasks one workflow may declare."""
    expression_timeout_s: float = 5.0
    """Wall-clock limit of one expression evaluation (one task's input, one publish, one
    transition's conditions...), in the API and on workers alike; regular expressions stop at
    it too. 0: no limit. A task whose expression passes it fails ("evaluation took longer")."""
    expression_memory_mb: float = 64.0
    """Memory one expression evaluation may fill with the strings and lists it builds (`*`,
    `+`, `~`, join, replace, padding, rendered templates), counted as it builds them."""
    max_subworkflow_depth: int = 32
    """Deepest nesting of subworkflows: a task that would start a subworkflow deeper than this
    fails ("Maximum subworkflow depth ... exceeded") instead of starting it."""
    state_info_max_kb: int = 16
    """Longest `state_info` kept on an execution, task or action execution, in KiB; a longer
    one is cut, keeping its beginning and its end."""
    recovery_interval_s: float = 10.0
    """How often the integrity check looks for stranded work."""
    dispatch_grace_s: float = 30.0
    """Work left undispatched this long after its commit is sent again by the integrity check
    (then after a doubling delay while no worker claims it)."""
    database_outage_s: float = 60.0
    """How long a state change keeps retrying while the database is unreachable (a restart, a
    failover) before it gives up with "database unavailable"."""
    heartbeat_interval_s: float = 5.0
    """How often a worker refreshes `heartbeat_at` of the actions it runs."""
    heartbeat_timeout_s: float = 30.0
    """An action whose heartbeat is older than this lost its worker: it fails, or is sent again
    when its task is `safe-rerun`."""
    expiration_max_age_h: float = 0.0
    """Delete finished root executions (with their tasks, actions and children) older than this
    many hours. 0: keep forever (Mistral's default)."""
    expiration_max_finished: int = 0
    """Keep at most this many finished root executions; older ones are deleted. 0: no limit."""
    auth_tokens: Mapping[str, str] = field(default_factory=dict)
    """Bearer token -> project id. Empty: authentication off (every caller is the default project)."""
    default_project: str = "<default-project>"
    """The project of every object when authentication is off (Mistral's literal)."""
    log_level: str = "INFO"
    log_format: str = "text"
    """`text`, or `json`: one object per line with execution_id, task_execution_id and
    action_execution_id (see docs/operations.md, "Logs")."""
    http_allowed_hosts: str = ""
    """Comma-separated hosts that workflows may reach even though they resolve into
    `http_denied_cidrs`: host names (matched as written), IP addresses or CIDRs (matched
    against the resolved address). One egress policy governs std.http, std.ssh (and its
    gateway), std.email's SMTP server and `notify` webhooks. Empty: no exception."""
    http_denied_cidrs: str = (
        "127.0.0.0/8,::1/128,0.0.0.0/8,::/128,"
        "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7,"
        "169.254.0.0/16,fe80::/10,fd00:ec2::254/128"
    )
    """Comma-separated networks no workflow-controlled connection may reach (std.http and each
    redirect hop, std.ssh, std.email, webhooks): loopback, unspecified, private (RFC 1918,
    carrier-grade NAT, IPv6 unique local), link-local and the cloud metadata service
    (169.254.169.254, fd00:ec2::254) by default."""
    http_default_timeout_s: float = 60.0
    """Timeout of a std.http request that sets none (Mistral's default)."""
    http_max_response_kb: int = 5120
    """Largest std.http response body read, in KiB; a larger one fails the action."""
    smtp_timeout_s: float = 60.0
    """Connect and reply timeout of std.email's SMTP conversation."""
    ssh_timeout_s: float = 30.0
    """Connect, banner and authentication timeout of std.ssh, std.ssh_proxied, std.wait_ssh."""
    js_node_path: str = "node"
    """The Node.js executable std.javascript runs scripts with."""
    js_timeout_s: float = 30.0
    """Wall-clock limit of one std.javascript script."""
    service_heartbeat_s: float = 10.0
    """How often each wfq process refreshes its row of `GET /v2/services`."""
    service_timeout_s: float = 30.0
    """A process whose service heartbeat is older than this is no longer listed (it died)."""
    code_source_projects: str = ""
    """Projects allowed to upload code sources and define dynamic actions (Python that workers
    run): comma-separated project ids, `*` for every project. Empty: the feature is off."""
    event_amqp_url: str = ""
    """RabbitMQ that event triggers listen on for OpenStack notifications (oslo.messaging
    format), e.g. `amqp://guest:guest@host:5672//`. Empty: no AMQP listening."""
    event_redis_url: str = ""
    """Redis whose streams event triggers listen on (`wfq.events.<exchange>.<topic>`, one
    consumer group). Empty: no Redis listening."""
    event_reload_s: float = 5.0
    """How often the event listener reads the event triggers again (new exchanges/topics)."""
    event_definitions_file: str = ""
    """Mistral's event definitions YAML (event_types + properties) shaping `event_params`;
    empty: Mistral's default properties (service, project_id, user_id, timestamp)."""
    action_paths: str = ""
    """Comma-separated directories of .py files (or .py files, or dotted module names) whose
    actions workers load at start, in addition to the `wfq.actions` entry points."""

    @property
    def embedded(self) -> bool:
        """True when no broker is configured and work runs in-process."""
        return self.broker_url == EMBEDDED_BROKER

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (tests and the CLI use it)."""
        return dataclasses.replace(self, **changes)


def _coerce(name: str, raw: str) -> Any:
    f = {f.name: f for f in dataclasses.fields(Settings)}[name]
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "str")
    if kind == "bool":
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind.startswith("Mapping"):
        # "token1=project1,token2=project2"
        pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
        return {k.strip(): v.strip() for k, v in pairs}
    return raw


def load(
    env: Mapping[str, str] | None = None, config_file: str | os.PathLike[str] | None = None
) -> Settings:
    """Build Settings from an optional TOML file (WFQ_CONFIG or `config_file`) and WFQ_* variables."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = config_file or env.get("WFQ_CONFIG")
    if path:
        with Path(path).open("rb") as fh:
            values.update(tomllib.load(fh).get("wfq", {}))
    names = {f.name for f in dataclasses.fields(Settings)}
    for key, raw in env.items():
        if key.startswith("WFQ_") and key[4:].lower() in names:
            values[key[4:].lower()] = _coerce(key[4:].lower(), raw)
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"Unknown settings: {sorted(unknown)}")
    return Settings(**values)

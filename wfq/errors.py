"""The exception tree of wfq. No HTTP codes here: wfq/api/errors.py maps classes to statuses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class WfqError(Exception):
    """Root of every error wfq raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a DSL document.

    `path` locates it (e.g. "my_wf.tasks.t1.on-success"), `kind` is one of
    "syntax", "semantics" or "expressions".
    """

    path: str
    message: str
    kind: str = "syntax"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DSLParseError(WfqError):
    """The text is not YAML or JSON that can be read (syntax error, alias bomb, too deep)."""


class DSLValidationError(WfqError):
    """The document was read but breaks the workflow language; `issues` lists every problem."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("Invalid DSL: " + "; ".join(str(i) for i in self.issues))


class ExpressionError(WfqError):
    """An expression could not be parsed or evaluated. The message follows Mistral's:
    YAQL names the inner text, Jinja the whole template."""

    def __init__(self, expression: str, reason: str) -> None:
        self.expression = expression
        self.reason = reason
        text = expression.strip()
        if text.startswith("<%") and text.endswith("%>"):
            msg = f"Can not evaluate YAQL expression [expression={text[2:-2].strip()}, error={reason}]"
        elif "{{" in text or "{%" in text:
            msg = f"Can not evaluate Jinja expression [expression={expression}, error={reason}]"
        else:
            msg = f"Can not evaluate expression '{expression}': {reason}"
        super().__init__(msg)


class InvalidStateTransition(WfqError):
    """A state change that the state machine does not allow."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        super().__init__(f"Can not change state from {old} to {new}")


class NotFound(WfqError):
    """A named or identified object does not exist (or is not visible to the caller)."""


class Conflict(WfqError):
    """An object with the same identity exists already, or the object is in use."""


class InvalidInput(WfqError):
    """Input to a workflow or an action is missing, unexpected or of the wrong type."""


class InvalidRequest(WfqError):
    """A request is malformed or asks for something impossible in the current state."""


class ActionNotFound(WfqError):
    """No system, ad-hoc or custom action has this name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Failed to find action [action_name={name}]")


class ActionFailed(WfqError):
    """An action ran and reported failure; `data` is what it returned as its error."""

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.data = data if data is not None else message


class SizeLimitExceeded(WfqError):
    """A field (input, result, definition) is larger than the configured limit."""


class Unauthorized(WfqError):
    """The request carries no valid credentials."""


class Forbidden(WfqError):
    """The caller's project may not change this object."""


class Unavailable(WfqError):
    """The database cannot be reached (restarting, failing over): nothing was changed, and the
    same request may be sent again (HTTP 503)."""

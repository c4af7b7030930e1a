"""Which project a request acts for: a bearer token mapped by `Settings.auth_tokens`, or the
default project when no tokens are configured (authentication off, as Mistral without Keystone)."""

from __future__ import annotations

import hmac
import logging

from wfq.errors import Unauthorized
from wfq.settings import Settings

log = logging.getLogger("wfq.api")


class Authenticator:
    """Maps request headers to a project id, or raises Unauthorized."""

    def __init__(self, settings: Settings) -> None:
        self._tokens = dict(settings.auth_tokens)
        self._default = settings.default_project
        if not self._tokens:
            log.warning("authentication is off: every request acts for project %r", self._default)

    @property
    def enabled(self) -> bool:
        """True when requests must carry a known token."""
        return bool(self._tokens)

    def project_of(self, authorization: str | None, auth_token: str | None) -> str:
        """The project of a request with these header values.

        Args:
            authorization: the `Authorization` header (`Bearer <token>`).
            auth_token: the `X-Auth-Token` header (what python-mistralclient sends).
        """
        if not self._tokens:
            return self._default
        token = _token(authorization or "", auth_token or "")
        if token:
            for known, project in self._tokens.items():
                if hmac.compare_digest(known.encode(), token.encode()):
                    return project
        raise Unauthorized("The request you have made requires authentication.")


def _token(authorization: str, auth_token: str) -> str | None:
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return auth_token.strip() or None

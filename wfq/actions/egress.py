"""The egress policy (an SSRF guard) of every outbound connection a workflow author controls:
std.http (and each redirect hop), std.ssh / std.ssh_proxied / std.wait_ssh, std.email's SMTP
server, and the `notify` webhooks of an execution.

One policy, from the `http_allowed_hosts` / `http_denied_cidrs` settings (the names predate the
other protocols): a host is refused when an address it resolves to is in a denied network
(loopback, private, link-local and cloud metadata addresses by default) unless the operator
allow-listed the host name or the address. Connections are made to the address just checked
(`PinnedAdapter` for HTTP, `connect` for raw TCP), so a second DNS answer (rebinding) cannot
send them elsewhere."""

from __future__ import annotations

import functools
import ipaddress
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import SplitResult, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.exceptions import NewConnectionError

from wfq.actions.base import ActionContext, ActionException

if TYPE_CHECKING:  # the stubs' names of what HTTPAdapter builds (no runtime classes)
    from requests.adapters import _HostParams, _PoolKwargs

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_getaddrinfo = socket.getaddrinfo  # tests substitute a resolver here


class EgressDenied(ActionException):
    """The egress policy refuses this URL (scheme, or an address the host resolves to)."""


def _networks(items: Iterable[str], setting: str) -> tuple[Network, ...]:
    """Parsed networks; a bad entry fails every request rather than leaving a hole."""
    out = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ActionException(f"Invalid {setting} entry '{item}': {exc}") from exc
    return tuple(out)


def _items(value: Any) -> list[str]:
    if not value:
        return []
    raw = value.split(",") if isinstance(value, str) else list(value)
    return [str(i).strip() for i in raw if str(i).strip()]


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _variants(addr: Address) -> list[Address]:
    """The address and every IPv4 address it embeds (IPv4-mapped, IPv4-compatible, NAT64,
    6to4): `::ffff:127.0.0.1` must be judged like `127.0.0.1`."""
    out: list[Address] = [addr]
    if isinstance(addr, ipaddress.IPv6Address):
        value = int(addr)
        if addr.ipv4_mapped:
            out.append(addr.ipv4_mapped)
        if value >> 32 == 0 and value > 1:
            out.append(ipaddress.IPv4Address(value))
        if addr in _NAT64:
            out.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
        if addr.sixtofour:
            out.append(addr.sixtofour)
    return out


def _literal_ipv4(host: str) -> list[str]:
    """`[host]` when it is an IPv4 address written the usual way (which resolves to itself,
    without asking the resolver); else []."""
    try:
        addr = ipaddress.IPv4Address(host)
    except ValueError:
        return []
    return [host] if str(addr) == host else []


def _resolve(host: str, port: int) -> list[str]:
    """The addresses the resolver gives for `host`, in its order, without repeats."""
    try:
        infos = _getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise requests.ConnectionError(f"cannot resolve host '{host}': {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    """Denied networks, and the hosts (names) and networks exempt from them."""

    denied: tuple[Network, ...] = ()
    allowed_networks: tuple[Network, ...] = ()
    allowed_names: frozenset[str] = frozenset()
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A policy keys the caches of every std.http call: hashing its networks each time
        # cost as much as the rest of the policy's checks.
        object.__setattr__(
            self, "_hash", hash((self.denied, self.allowed_networks, self.allowed_names))
        )

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def from_context(cls, ctx: ActionContext) -> EgressPolicy:
        """The policy of the settings this action runs with."""
        return cls.from_values(ctx.setting("http_allowed_hosts"), ctx.setting("http_denied_cidrs"))

    @classmethod
    def from_settings(cls, settings: Any) -> EgressPolicy:
        """The policy of a `Settings` (webhooks, outside any action)."""
        return cls.from_values(settings.http_allowed_hosts, settings.http_denied_cidrs)

    @classmethod
    def from_values(cls, allowed_hosts: Any, denied_cidrs: Any) -> EgressPolicy:
        """The policy of the two settings' values (comma-separated text or lists)."""
        return _policy(tuple(_items(allowed_hosts)), tuple(_items(denied_cidrs)))

    def check_url(self, url: str) -> SplitResult:
        """The parts of `url`; refuses a scheme other than http(s) or a URL without a host."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in DEFAULT_PORTS:
            raise EgressDenied(
                f"URL scheme '{parts.scheme}' is not allowed (only http and https are)."
            )
        if not parts.hostname:
            raise EgressDenied("URL does not contain a host.")
        return parts

    def addresses(self, host: str, port: int, what: str = "URL host") -> list[str]:
        """The addresses `host` resolves to, in resolver order, when none is blocked.

        Raises EgressDenied naming the first blocked address (`what` names the host's role),
        or requests.ConnectionError (an OSError) when the name does not resolve."""
        found = _literal_ipv4(host) or _resolve(host, port)
        if host.lower().rstrip(".") in self.allowed_names:
            return found
        for text in found:
            if _blocked(self, text):
                addr = ipaddress.ip_address(text)
                raise EgressDenied(f"{what} '{host}' resolves to a blocked address ({addr}).")
        return found


@functools.lru_cache(maxsize=4096)
def _blocked(policy: EgressPolicy, text: str) -> bool:
    """Whether `policy` refuses the address `text`: judged once per address (a worker calls the
    same few hosts thousands of times; the judgement walks every network of the policy)."""
    variants = _variants(ipaddress.ip_address(text))
    if any(v in net for v in variants for net in policy.allowed_networks):
        return False
    return any(v in net for v in variants for net in policy.denied)


@functools.lru_cache(maxsize=64)
def _policy(allowed: tuple[str, ...], denied: tuple[str, ...]) -> EgressPolicy:
    """The policy of these setting items, parsed once: every std.http call asks for it, and
    parsing a dozen networks cost a tenth of a call's CPU. A policy is immutable; a bad entry
    is not cached and fails every request alike."""
    return EgressPolicy(
        denied=_networks(denied, "http_denied_cidrs"),
        allowed_networks=_networks((a for a in allowed if _is_address(a)), "http_allowed_hosts"),
        allowed_names=frozenset(a.lower().rstrip(".") for a in allowed if not _is_address(a)),
    )


def connect(
    policy: EgressPolicy, host: str, port: int, *, timeout: float | None, what: str
) -> socket.socket:
    """A TCP connection to `host`:`port`, made to an address the policy has just allowed
    (the next one only when a connection could not be made). Raises EgressDenied, or the
    OSError of the last attempt."""
    try:
        addresses = policy.addresses(host, port, what)
    except requests.ConnectionError as exc:
        raise socket.gaierror(str(exc)) from None
    last: OSError | None = None
    for addr in addresses:
        try:
            return socket.create_connection((addr, port), timeout=timeout)
        except OSError as exc:
            last = exc
    assert last is not None  # getaddrinfo never answers an empty list
    raise last


def host_header(parts: SplitResult) -> str:
    """The Host header of a URL: its host (bracketed when IPv6) and a non-default port."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    return host


def _never_connected(exc: requests.ConnectionError) -> bool:
    return isinstance(
        getattr(exc.args[0] if exc.args else None, "reason", None), NewConnectionError
    )


class PinnedAdapter(HTTPAdapter):
    """A requests adapter that checks every URL it sends against the policy and connects to
    the checked address (trying the next one only if the connection could not be made), with
    the name kept for the Host header, TLS SNI and certificate verification."""

    def __init__(self, policy: EgressPolicy, pool_maxsize: int = 10) -> None:
        self._local = threading.local()  # the address a send pins: each thread its own
        super().__init__(max_retries=0, pool_maxsize=pool_maxsize)
        self.policy = policy

    @property
    def _pin(self) -> tuple[str, str] | None:
        return getattr(self._local, "pin", None)

    @_pin.setter
    def _pin(self, value: tuple[str, str] | None) -> None:
        self._local.pin = value

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        parts = self.policy.check_url(request.url or "")
        host = parts.hostname or ""
        port = parts.port or DEFAULT_PORTS[parts.scheme.lower()]
        proxies = kwargs.get("proxies") or {}
        proxy = select_proxy(request.url or "", proxies) if proxies else None
        if proxy:
            # This worker connects to the proxy, which resolves the target: both must pass, the
            # target whenever it resolves here too (it may exist only in the proxy's DNS).
            proxy_parts = self.policy.check_url(proxy if "://" in proxy else f"http://{proxy}")
            self.policy.addresses(proxy_parts.hostname or "", proxy_parts.port or 80)
            try:
                self.policy.addresses(host, port)
            except requests.ConnectionError:
                pass
            request.headers.pop("Host", None)
            return super().send(request, *args, **kwargs)
        addresses = self.policy.addresses(host, port)
        request.headers["Host"] = host_header(parts)
        last: requests.ConnectionError | None = None
        for addr in addresses:
            self._pin = (addr, host)
            try:
                return super().send(request, *args, **kwargs)
            except requests.ConnectionError as exc:
                if not _never_connected(exc):
                    raise
                last = exc
            finally:
                self._pin = None
        assert last is not None  # getaddrinfo never answers an empty list
        raise last

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if self._pin is not None:
            addr, name = self._pin
            host_params["host"] = addr
            if host_params["scheme"] == "https":
                # urllib3's pool takes these too; the stubs' _PoolKwargs lists only requests' own
                tls = cast(dict[str, Any], pool_kwargs)
                tls["server_hostname"] = name
                tls["assert_hostname"] = name if verify is not False else False
        return host_params, pool_kwargs

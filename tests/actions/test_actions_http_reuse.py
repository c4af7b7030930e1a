"""std.http on a busy worker: a thread's session and the process's connection pools are kept
from one call to the next (a call to a slow service costs little CPU), and nothing of one call
leaks into the next: no cookie, no address pinned by another thread."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from action_peers import HttpPeer, context

from wfq.actions.http import http
from wfq.settings import Settings


@pytest.fixture
def peer() -> Iterator[HttpPeer]:
    p = HttpPeer()
    yield p
    p.close()


def test_calls_from_one_thread_reuse_their_connection(ctx: Any, peer: HttpPeer) -> None:
    for _ in range(3):
        assert http.fn(ctx, url=peer.url("/json"))["status"] == 200
    assert len({seen.client_port for seen in peer.seen}) == 1  # one TCP connection, kept alive


def test_a_cookie_set_for_one_call_is_not_sent_by_the_next(ctx: Any, peer: HttpPeer) -> None:
    http.fn(ctx, url=peer.url("/set-cookie"))
    echoed = http.fn(ctx, url=peer.url("/echo"))["content"]
    assert "Cookie" not in echoed["headers"]
    # A call's own cookies still go out.
    echoed = http.fn(ctx, url=peer.url("/echo"), cookies={"mine": "1"})["content"]
    assert echoed["headers"]["Cookie"] == "mine=1"


def test_concurrent_calls_each_reach_the_address_they_asked_for() -> None:
    # Two servers on two loopback addresses; many threads calling both at once through the
    # shared pools: every answer comes from the address of its own URL (a connection pinned
    # by one thread is never used for another thread's host).
    ctx = context(Settings(http_allowed_hosts="127.0.0.1,127.0.0.2"))
    peers = [HttpPeer(address="127.0.0.1"), HttpPeer(address="127.0.0.2")]
    try:

        def call(n: int) -> tuple[str, str]:
            peer = peers[n % 2]
            got = http.fn(ctx, url=peer.url("/whoami"))["content"]["address"]
            return peer.server.server_address[0], got

        with ThreadPoolExecutor(16) as pool:
            pairs = list(pool.map(call, range(200)))
    finally:
        for peer in peers:
            peer.close()
    assert all(asked == got for asked, got in pairs)
    assert {asked for asked, _ in pairs} == {"127.0.0.1", "127.0.0.2"}

"""The benchmark workflows (the same graphs as shared/bench/bench_v2.py)."""

from __future__ import annotations


def noop1(name: str) -> str:
    return f"""---
version: '2.0'
{name}:
  type: direct
  tasks:
    t1:
      action: std.noop
"""


def chain(name: str, n: int) -> str:
    lines = [f"---\nversion: '2.0'\n{name}:\n  type: direct\n  tasks:"]
    for i in range(1, n + 1):
        lines.append(f"    t{i}:\n      action: std.noop")
        if i < n:
            lines.append(f"      on-success:\n        - t{i + 1}")
    return "\n".join(lines) + "\n"


def fanout(name: str) -> str:
    return f"""---
version: '2.0'
{name}:
  type: direct
  input:
    - items
  tasks:
    fan:
      with-items: i in <% $.items %>
      action: std.echo output=<% $.i %>
"""


def forkjoin(name: str, n: int) -> str:
    branches = [f"p{i}" for i in range(1, n + 1)]
    lines = [
        f"---\nversion: '2.0'\n{name}:\n  type: direct\n  tasks:",
        "    start:\n      action: std.noop\n      on-success:",
    ]
    lines += [f"        - {b}" for b in branches]
    for b in branches:
        lines.append(f"    {b}:\n      action: std.noop\n      on-success:\n        - join")
    lines.append("    join:\n      join: all\n      action: std.noop")
    return "\n".join(lines) + "\n"


def big_fanout(name: str, concurrency: int) -> str:
    """j: one with-items over `range(0, $.n)`: the request is small whatever n is."""
    return f"""---
version: '2.0'
{name}:
  type: direct
  input:
    - n
  tasks:
    fan:
      with-items: i in <% range(0, $.n) %>
      concurrency: {concurrency}
      action: std.echo output=<% $.i %>
"""

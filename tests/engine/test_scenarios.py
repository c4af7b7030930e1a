"""Every YAML file in scenarios/ is one workflow rehearsed through the pure engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import Rehearsal

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    sc: dict[str, Any] = yaml.safe_load(path.read_text())
    r = Rehearsal(
        sc["workflow"],
        sc.get("input"),
        scripted=sc.get("scripted"),
        env=sc.get("env"),
        params=sc.get("params"),
    ).run()
    expect = sc["expect"]
    ex = r.execution
    assert ex.state == expect["state"], ex.state_info
    for name, state in expect.get("tasks", {}).items():
        assert r.task(name).state == state, (name, r.task(name).state_info)
    if "started" in expect:
        assert r.started == expect["started"]
    for name in expect.get("absent", []):
        assert name not in r.started
    if "output" in expect:
        assert ex.output == expect["output"]
    if "fired" in expect:
        assert [list(f) for f in r.fired] == expect["fired"]
    for text in expect.get("state_info_contains", []):
        assert text in (ex.state_info or ""), ex.state_info

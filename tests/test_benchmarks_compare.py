"""`python -m benchmarks.run --compare REV`: the parts that start nothing (the order of the
repetitions, how they add up, the table of the two versions)."""

from __future__ import annotations

import argparse

from benchmarks import compare, report


def test_repetitions_alternate_which_side_goes_first() -> None:
    assert compare.interleave(3) == [
        (0, "old"),
        (0, "new"),
        (1, "new"),
        (1, "old"),
        (2, "old"),
        (2, "new"),
    ]
    assert compare.interleave(0) == []


def test_repetitions_add_up_and_figures_measured_once_stay() -> None:
    acc: dict = {}
    compare.merge(acc, {"a": {"wfq": [{"rate": 1}], "bare": []}, "e": {"workers": [1, 2]}})
    compare.merge(
        acc, {"a": {"wfq": [{"rate": 2}], "bare": [{"rate": 9}]}, "e": {"workers": [1, 2]}}
    )
    compare.merge(acc, {"c": {"wfq": [], "big": {"items": 10}}})
    assert acc["a"] == {"wfq": [{"rate": 1}, {"rate": 2}], "bare": [{"rate": 9}]}
    assert acc["e"] == {"workers": [1, 2]}
    assert acc["c"] == {"wfq": [], "big": {"items": 10}}


def test_once_only_parts_run_in_each_sides_first_call_and_bare_with_the_old_side() -> None:
    a = argparse.Namespace(reps=3, first_rep=True, once_bare=True, quick=False)
    calls = {(rep, side): compare.rep_args(a, rep, side) for rep, side in compare.interleave(2)}
    assert {k: (v.reps, v.first_rep, v.once_bare) for k, v in calls.items()} == {
        (0, "old"): (1, True, True),
        (0, "new"): (1, True, False),
        (1, "new"): (1, False, False),
        (1, "old"): (1, False, False),
    }
    assert a.reps == 3  # the run's own arguments are left as they were


def test_the_ratio_is_of_each_cells_headline_figure() -> None:
    assert report.headline("12.5 /s") == 12.5
    assert report.headline("40 ms") == 40
    assert report.headline("3.1 = api 1.0 + pool 2.1") == 3.1
    assert report.headline("100 -> 250 MB") == 250
    assert report.headline("-") is None
    assert report.change("40 ms", "30 ms") == "0.75x"
    assert report.change("-", "30 ms") == ""
    assert report.change("0.00", "1.00") == ""


def test_the_two_versions_rows_pair_up_by_scenario() -> None:
    old = [
        ("a throughput", "exec/s", "100.0 /s", "400.0 /s", "4.0x", ">= 100/s PASS"),
        ("", "cpu", "10.0 = api 10.0", "2.0 = pool 2.0", "5.0x", ""),
        ("j with-items", "POST", "0.50 s", "0.10 s", "5.0x", "< 1 s PASS"),
    ]
    new = [
        ("a throughput", "exec/s", "120.0 /s", "410.0 /s", "3.4x", ">= 100/s PASS"),
        ("", "cpu", "8.0 = api 8.0", "2.0 = pool 2.0", "4.0x", ""),
        ("j with-items", "POST", "0.40 s", "0.10 s", "4.0x", "< 1 s PASS"),
        ("", "items started after the cancel", "0", "", "", "0 PASS"),
    ]
    assert report.compare_rows(old, new) == [
        ("a throughput", "exec/s", "100.0 /s", "120.0 /s", "1.20x", "400.0 /s", ">= 100/s PASS"),
        ("", "cpu", "10.0 = api 10.0", "8.0 = api 8.0", "0.80x", "2.0 = pool 2.0", ""),
        ("j with-items", "POST", "0.50 s", "0.40 s", "0.80x", "0.10 s", "< 1 s PASS"),
        ("", "items started after the cancel", "", "0", "", "", "0 PASS"),
    ]
    text = report.compare_table({}, {}, ("old: git HEAD~1", "new: work tree"))
    assert text.splitlines()[0].split(" | ")[2:5] == [
        "old: git HEAD~1",
        "new: work tree",
        "new/old",
    ]

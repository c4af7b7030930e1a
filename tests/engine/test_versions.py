"""Context versioning: how branch contexts merge where branches meet (Mistral's
`merge_context_by_version`), checked on task records directly."""

from __future__ import annotations

from typing import Any

from harness import Record

from wfq.engine import versions


def _task(
    in_context: dict[str, Any], published: dict[str, Any], counts: dict[str, int] | None = None
) -> Any:
    rc = {"versions": counts} if counts else {}
    return Record(in_context=in_context, published=published, runtime_context=rc)


def test_outbound_counts_each_published_leaf_path_once_more() -> None:
    t = _task({"a": 0, "n": {"x": 1}}, {"a": 1, "n": {"y": 2}}, {"a": 1, "n.x": 1})
    ctx, counts = versions.outbound(t)
    # A published key replaces the whole old value (replace strategy), nested paths are counted.
    assert ctx == {"a": 1, "n": {"y": 2}}
    assert counts == {"a": 2, "n.x": 1, "n.y": 1}


def test_a_value_changed_on_one_branch_beats_the_copy_inherited_on_the_other() -> None:
    changed = _task({"a": 0, "b": 0}, {"a": 1}, {"a": 1, "b": 1})
    stale = _task({"a": 0, "b": 0}, {}, {"a": 1, "b": 1})
    for order in ([changed, stale], [stale, changed]):
        assert versions.merge_upstream(order)[0] == {"a": 1, "b": 0}


def test_on_a_tie_the_last_task_is_the_base_and_wins() -> None:
    first = _task({}, {"v": "first"})
    last = _task({}, {"v": "last"})
    ctx, counts = versions.merge_upstream([first, last])
    assert ctx == {"v": "last"}
    assert counts == {"v": 1}


def test_dicts_from_different_branches_merge_key_by_key() -> None:
    left = _task({}, {"cfg": {"x": 1, "shared": "left"}})
    right = _task({}, {"cfg": {"y": 2, "shared": "right"}})
    ctx, _ = versions.merge_upstream([left, right])
    assert ctx == {"cfg": {"x": 1, "y": 2, "shared": "right"}}
    # The inputs are not changed by the merge.
    assert right.published == {"cfg": {"y": 2, "shared": "right"}}


def test_end_tasks_merge_in_batches_of_twenty_with_the_earlier_batches_as_base() -> None:
    tasks = [_task({}, {f"k{i}": i, "v": i}) for i in range(25)]
    merged = versions.merge_in_batches(tasks)
    assert {k: merged[k] for k in ("k0", "k19", "k20", "k24")} == {
        "k0": 0,
        "k19": 19,
        "k20": 20,
        "k24": 24,
    }
    # Ties everywhere: the first batch's base is its last task (19); later batches merge into it
    # and never win a tie.
    assert merged["v"] == 19
    assert versions.merge_in_batches([]) == {}

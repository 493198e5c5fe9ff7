"""runner/graph.py and the graph rules: cycles, and redundant edges against a brute-force reference."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from runner.findings import Finding
from runner.graph import MAX_CYCLES_PER_COMPONENT, Graph

Findings = Callable[..., list[Finding]]


def graph(edges: dict[str, list[str]]) -> Graph:
    """Tasks in the order of the dict; each maps to its dependencies (upstream tasks)."""
    return Graph.build(list(edges), list(edges.values()))


def cycle_texts(g: Graph) -> list[str]:
    return [" -> ".join(g.names[i] for i in cycle) for cycle in g.cycles()]


def workflow_text(edges: dict[str, list[str]]) -> str:
    lines = ["dagId: d", "tasks:"]
    for name, deps in edges.items():
        lines.append(f"  - taskId: {name}")
        lines.append("    operator: dummy")
        if deps:
            lines.append(f"    dependencies: [{', '.join(deps)}]")
    return "\n".join(lines) + "\n"


# -- cycles -----------------------------------------------------------------------------------------


def test_cycle_is_printed_upstream_to_downstream_from_the_earliest_task() -> None:
    # c depends on b, b on a, a on c: a -> b -> c -> a
    g = graph({"a": ["c"], "b": ["a"], "c": ["b"]})
    assert cycle_texts(g) == ["a -> b -> c -> a"]


@pytest.mark.parametrize("order", [["x", "a", "b"], ["b", "x", "a"], ["a", "b", "x"]])
def test_cycle_text_starts_at_whichever_task_comes_first_in_the_file(order: list[str]) -> None:
    edges = {"a": ["x"], "b": ["a"], "x": ["b"]}  # x -> a -> b -> x
    g = graph({name: edges[name] for name in order})
    first = order[0]
    ring = ["x", "a", "b"]
    k = ring.index(first)
    expected = " -> ".join([*ring[k:], *ring[:k], first])
    assert cycle_texts(g) == [expected]


def test_self_dependency_is_a_cycle_of_one() -> None:
    g = graph({"a": [], "b": ["b", "a"]})
    assert cycle_texts(g) == ["b -> b"]


def test_one_finding_per_disjoint_cycle(findings: Findings) -> None:
    text = workflow_text({"a": ["b"], "b": ["a"], "ok": [], "c": ["d"], "d": ["e"], "e": ["c"], "s": ["s"]})
    found = [f for f in findings(text, "FR101")]
    assert [f.message for f in found] == [
        "circular dependency: a -> b -> a",
        "circular dependency: c -> e -> d -> c",
        "circular dependency: s -> s",
    ]
    # each at the dependency of the cycle's first task that closes it
    assert [(f.line, f.column) for f in found] == [(5, 20), (13, 20), (22, 20)]


def test_two_loops_through_one_task_are_both_reported() -> None:
    g = graph({"a": ["b", "c"], "b": ["a"], "c": ["a"]})
    assert cycle_texts(g) == ["a -> b -> a", "a -> c -> a"]


def test_cycles_in_a_dense_component_are_capped() -> None:
    names = [f"t{i}" for i in range(30)]
    g = graph({n: [m for m in names if m != n] for n in names})
    cycles = g.cycles()
    assert 1 <= len(cycles) <= MAX_CYCLES_PER_COMPONENT
    assert all(c[0] == c[-1] and c[0] == min(c) for c in cycles)


def test_acyclic_graph_has_no_cycles_and_unknown_names_are_ignored() -> None:
    g = graph({"a": [], "b": ["a", "ghost"], "c": ["b", "a"]})
    assert g.cycles() == [] and g.components() == []
    assert g.parents == [[], [0], [1, 0]]


# -- ordering -----------------------------------------------------------------------------------------


def test_order_is_topological_with_ties_in_file_order() -> None:
    g = graph({"late": ["b"], "b": [], "a": [], "c": ["a", "b"]})
    assert [g.names[i] for i in g.order()] == ["b", "a", "late", "c"]


def test_stages_are_longest_upstream_paths() -> None:
    g = graph({"a": [], "b": ["a"], "c": ["b"], "d": ["a", "c"], "e": []})
    assert [[g.names[i] for i in stage] for stage in g.stages()] == [["a", "e"], ["b"], ["c"], ["d"]]


def test_path_finds_a_shortest_chain() -> None:
    g = graph({"a": [], "b": ["a"], "c": ["b"], "d": ["c", "a"]})
    assert [g.names[i] for i in g.path(0, 3)] == ["a", "d"]
    assert [g.names[i] for i in g.path(1, 3)] == ["b", "c", "d"]
    assert g.path(3, 0) == []


# -- redundant edges ------------------------------------------------------------------------------------


def random_dag(n: int, seed: int) -> list[list[int]]:
    """parents[i]: up to 4 distinct earlier tasks, mostly close by, some far away."""
    rng = random.Random(seed)
    parents: list[list[int]] = []
    for i in range(n):
        pool = list(range(max(0, i - 40), i))
        k = min(len(pool), rng.randint(0, 4))
        ups = rng.sample(pool, k)
        if i > 100 and rng.random() < 0.2:
            far = rng.randrange(0, i - 40)
            if far not in ups:
                ups.append(far)
        parents.append(ups)
    # shuffle the file order so that ancestors do not always come first
    perm = list(range(n))
    rng.shuffle(perm)
    moved: list[list[int]] = [[] for _ in range(n)]
    for i, ups in enumerate(parents):
        moved[perm[i]] = [perm[p] for p in ups]
    return moved


def brute_force_redundant(parents: list[list[int]]) -> set[tuple[int, int]]:
    """(child, parent) of every edge implied by another path: explicit descendant sets."""
    n = len(parents)
    children: list[list[int]] = [[] for _ in range(n)]
    for c, ups in enumerate(parents):
        for p in ups:
            children[p].append(c)
    descendants: list[set[int]] = [set() for _ in range(n)]
    # Kahn's algorithm on the reversed graph: a task after all of its children
    pending = [len(ch) for ch in children]
    ready = [i for i in range(n) if pending[i] == 0]
    while ready:
        node = ready.pop()
        for c in children[node]:
            descendants[node].add(c)
            descendants[node] |= descendants[c]
        for p in parents[node]:
            pending[p] -= 1
            if pending[p] == 0:
                ready.append(p)
    found = set()
    for c, ups in enumerate(parents):
        for p in ups:
            if any(q != p and q in descendants[p] for q in ups):
                found.add((c, p))
    return found


@pytest.mark.parametrize("seed", [1, 2])
def test_redundant_edges_match_a_brute_force_reference_on_2000_tasks(seed: int) -> None:
    parents = random_dag(2000, seed)
    g = Graph([f"t{i}" for i in range(len(parents))], parents)
    found = g.redundant_edges()
    expected = brute_force_redundant(parents)
    assert len(expected) > 100  # the generator does make redundant edges
    assert {(c, p) for c, p, _ in found} == expected
    assert len(found) == len(expected)
    anc = g.ancestors()
    for child, parent, via in found:
        # `via` is another direct parent of the child that has `parent` upstream
        assert via in parents[child] and via != parent
        assert anc[via] >> parent & 1
        path = g.path(parent, via)
        assert path[0] == parent and path[-1] == via
        assert all(path[k] in parents[path[k + 1]] for k in range(len(path) - 1))


def test_removing_every_redundant_edge_keeps_reachability() -> None:
    parents = random_dag(400, 3)
    g = Graph([str(i) for i in range(400)], parents)
    drop = {(c, p) for c, p, _ in g.redundant_edges()}
    reduced = Graph(g.names, [[p for p in ups if (c, p) not in drop] for c, ups in enumerate(parents)])
    assert reduced.ancestors() == g.ancestors()
    assert reduced.redundant_edges() == []

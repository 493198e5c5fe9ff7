"""runner/graph.py gives networkx's answers: transitive reduction, topological generations,
cycles, on random graphs (including the windowed reduction used above graph.WINDOW tasks)."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from test_graph import random_dag

from runner import graph as graph_module
from runner.graph import Graph


def to_networkx(parents: list[list[int]]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(len(parents)))
    g.add_edges_from((p, c) for c, ups in enumerate(parents) for p in ups)
    return g


def reduced_edges(g: Graph) -> set[tuple[int, int]]:
    drop = {(c, p) for c, p, _ in g.redundant_edges()}
    return {(p, c) for c, ups in enumerate(g.parents) for p in ups if (c, p) not in drop}


def five_parents(n: int, seed: int) -> list[list[int]]:
    """The benchmark's shape: each task depends on up to 5 random earlier tasks, file order shuffled."""
    rng = random.Random(seed)
    perm = list(range(n))
    rng.shuffle(perm)
    parents: list[list[int]] = [[] for _ in range(n)]
    for i in range(1, n):
        parents[perm[i]] = [perm[j] for j in rng.sample(range(i), min(i, 5))]
    return parents


@pytest.mark.parametrize(("n", "seed"), [(300, 1), (1000, 2), (2000, 3)])
def test_transitive_reduction_and_generations_match_networkx(n: int, seed: int) -> None:
    parents = five_parents(n, seed) if seed % 2 else random_dag(n, seed)
    ours = Graph([str(i) for i in range(n)], parents)
    theirs = to_networkx(parents)
    assert reduced_edges(ours) == set(nx.transitive_reduction(theirs).edges)
    assert [sorted(s) for s in ours.stages()] == [sorted(s) for s in nx.topological_generations(theirs)]
    assert ours.components() == []


def test_the_windowed_reduction_equals_the_single_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    parents = five_parents(1500, 7)
    whole = Graph([str(i) for i in range(1500)], parents).redundant_edges()
    monkeypatch.setattr(graph_module, "WINDOW", 64)
    windowed = Graph([str(i) for i in range(1500)], parents).redundant_edges()
    assert len(whole) > 1000
    assert windowed == whole  # same edges, same `via`, same order


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cycles_match_networkx_strongly_connected_components(seed: int) -> None:
    rng = random.Random(seed)
    n = 400
    parents = [rng.sample(range(n), rng.randint(0, 3)) for _ in range(n)]  # any direction: cycles
    ours = Graph([str(i) for i in range(n)], parents)
    theirs = to_networkx(parents)
    cyclic = sorted(sorted(c) for c in nx.strongly_connected_components(theirs)
                    if len(c) > 1 or theirs.has_edge(next(iter(c)), next(iter(c))))
    assert ours.components() == cyclic
    for cycle in ours.cycles():
        assert all(theirs.has_edge(cycle[k], cycle[k + 1]) for k in range(len(cycle) - 1))

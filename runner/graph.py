"""Graph algorithms over the task DAG, fast on 10,000 tasks and 50,000 edges.

Tasks are numbered in file order. Reachability uses Python integers as bitsets (bit i is task i):
the ancestors of every task are computed once in topological order with one OR per edge, so
finding every redundant edge costs O(E) big-integer operations instead of a search per edge.
For redundant edges the bitsets are computed for one window of WINDOW possible ancestors at a
time, so memory stays O(V x WINDOW) bits instead of O(V^2) (100,000 tasks: ~200 MB of bitsets
at most, not 1.2 GB).
Topological sorting is the standard library's `graphlib`. The graph is immutable once built, so
each result is computed once and kept (the rules ask for the order and the cycles repeatedly).
"""

from __future__ import annotations

import graphlib
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# An SCC can hold exponentially many cycles; report at most this many per component.
MAX_CYCLES_PER_COMPONENT = 20
WINDOW = 1 << 14  # ancestor bits computed per pass in redundant_edges


@dataclass
class Graph:
    """`parents[i]` are the upstream tasks of task i (deduplicated, in the order written)."""

    names: list[str]
    parents: list[list[int]]
    children: list[list[int]] = field(init=False)
    _cache: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._cache = {}
        self.children = [[] for _ in self.names]
        for child, ups in enumerate(self.parents):
            for up in ups:
                self.children[up].append(child)

    @classmethod
    def build(cls, names: Sequence[str], dependencies: Sequence[Iterable[str]]) -> Graph:
        """Unknown names are ignored (another rule reports them)."""
        index = {name: i for i, name in enumerate(names)}
        parents = []
        for deps in dependencies:
            seen: dict[int, None] = {}
            for dep in deps:
                if dep in index:
                    seen.setdefault(index[dep])
            parents.append(list(seen))
        return cls(list(names), parents)

    # -- ordering -----------------------------------------------------------------------------

    def batches(self) -> list[list[int]]:
        """Tasks in ready batches (each sorted by file order); raises graphlib.CycleError."""
        if "batches" not in self._cache:
            self._cache["batches"] = self._batches()
        return [list(batch) for batch in self._cache["batches"]]

    def _batches(self) -> list[list[int]]:
        sorter: graphlib.TopologicalSorter[int] = graphlib.TopologicalSorter()
        for i, ups in enumerate(self.parents):
            sorter.add(i, *ups)
        sorter.prepare()
        out = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            out.append(ready)
            sorter.done(*ready)
        return out

    def order(self) -> list[int]:
        return [i for batch in self.batches() for i in batch]

    def stages(self) -> list[list[int]]:
        """Stage k holds the tasks whose longest upstream path has k edges."""
        depth = [0] * len(self.names)
        for i in self.order():
            depth[i] = max((depth[p] + 1 for p in self.parents[i]), default=0)
        stages: list[list[int]] = [[] for _ in range(max(depth, default=-1) + 1)]
        for i, d in enumerate(depth):
            stages[d].append(i)
        return stages

    def roots(self) -> list[int]:
        return [i for i, ups in enumerate(self.parents) if not ups]

    def leaves(self) -> list[int]:
        return [i for i, downs in enumerate(self.children) if not downs]

    # -- reachability -------------------------------------------------------------------------

    def ancestors(self) -> list[int]:
        """Bitset of the ancestors of each task (O(V^2) bits: for rules that ask many questions
        on graphs of ordinary size). The graph must be acyclic."""
        if "ancestors" not in self._cache:
            self._cache["ancestors"] = self._window_ancestors(0, len(self.names))
        return list(self._cache["ancestors"])

    def _window_ancestors(self, lo: int, hi: int) -> list[int]:
        """Bitset of the ancestors in [lo, hi) of each task, bit k standing for task lo + k."""
        anc = [0] * len(self.names)
        own = [1 << (p - lo) if lo <= p < hi else 0 for p in range(len(self.names))]
        parents = self.parents
        for i in self.order():
            bits = 0
            for p in parents[i]:
                bits |= anc[p] | own[p]
            anc[i] = bits
        return anc

    def redundant_edges(self) -> list[tuple[int, int, int]]:
        """(child, parent, via): the edge parent -> child is implied by parent ~> via -> child.

        Sorted by child, then by the parent's place in the child's dependencies. The windows are
        ranges of topological positions: a task placed before a window has no ancestor in it, so
        each pass starts at its window (half the work of windows of file positions)."""
        if "redundant" not in self._cache:
            order = self.order()
            n = len(order)
            position = [0] * n
            for k, i in enumerate(order):
                position[i] = k
            parents = self.parents
            found: list[tuple[int, int, int]] = []
            chains: dict[tuple[int, int], list[int]] = {}
            for lo in range(0, n, WINDOW):
                hi = min(lo + WINDOW, n)
                own = [0] * n
                for k in range(lo, hi):
                    own[order[k]] = 1 << (k - lo)
                anc = [0] * n  # ancestors among the window's tasks, bit k for position lo + k
                for k in range(lo, n):
                    i = order[k]
                    bits = 0
                    for p in parents[i]:
                        bits |= anc[p]
                        if own[p]:
                            bits |= own[p]
                    anc[i] = bits
                for k in range(lo, n):
                    child = order[k]
                    ups = parents[child]
                    if len(ups) < 2:
                        continue
                    union = 0
                    for p in ups:
                        union |= anc[p]
                    if not union:
                        continue
                    for p in ups:
                        if own[p] and union & own[p]:
                            via = next(q for q in ups if q != p and anc[q] & own[p])
                            found.append((child, p, via))
                            chains[(child, p)] = self._chain(p, via, anc, own[p])
            found.sort(key=lambda edge: (edge[0], parents[edge[0]].index(edge[1])))
            self._cache["redundant"] = found
            self._cache["chains"] = chains
        return list(self._cache["redundant"])

    def _chain(self, source: int, target: int, anc: list[int], bit: int) -> list[int]:
        """A path source -> ... -> target, walked up from target through parents that have
        source (whose window bit is `bit`) among their ancestors: O(path length x parents),
        where a search of the graph per finding made lint quadratic in its findings."""
        path = [target]
        node = target
        while node != source:
            node = next(q for q in self.parents[node] if q == source or anc[q] & bit)
            path.append(node)
        return path[::-1]

    def redundant_chain(self, child: int, parent: int) -> list[int]:
        """The path parent -> ... -> child that makes the edge parent -> child redundant."""
        if "chains" not in self._cache:
            self.redundant_edges()
        return [*self._cache["chains"][(child, parent)], child]

    def path(self, source: int, target: int) -> list[int]:
        """A shortest path source -> ... -> target along dependency edges (source is upstream)."""
        prev = {source: source}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            if node == target:
                break
            for nxt in self.children[node]:
                if nxt not in prev:
                    prev[nxt] = node
                    queue.append(nxt)
        if target not in prev:
            return []
        path = [target]
        while path[-1] != source:
            path.append(prev[path[-1]])
        return path[::-1]

    # -- cycles -------------------------------------------------------------------------------

    def components(self) -> list[list[int]]:
        """Strongly connected components that contain a cycle (iterative Tarjan)."""
        if "components" not in self._cache:
            self._cache["components"] = self._components()
        return [list(comp) for comp in self._cache["components"]]

    def _components(self) -> list[list[int]]:
        n = len(self.names)
        index = [-1] * n
        low = [0] * n
        on_stack = [False] * n
        stack: list[int] = []
        result = []
        counter = 0
        for start in range(n):
            if index[start] != -1:
                continue
            work = [(start, 0)]
            while work:
                node, pos = work.pop()
                if pos == 0:
                    index[node] = low[node] = counter
                    counter += 1
                    stack.append(node)
                    on_stack[node] = True
                nexts = self.children[node]
                if pos < len(nexts):
                    work.append((node, pos + 1))
                    nxt = nexts[pos]
                    if index[nxt] == -1:
                        work.append((nxt, 0))
                    elif on_stack[nxt]:
                        low[node] = min(low[node], index[nxt])
                    continue
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        top = stack.pop()
                        on_stack[top] = False
                        comp.append(top)
                        if top == node:
                            break
                    if len(comp) > 1 or node in self.parents[node]:
                        result.append(sorted(comp))
        return sorted(result)

    def cycles(self) -> list[list[int]]:
        """Cycles as [a, b, ..., a] (a upstream of b), each starting at its earliest task.

        One cycle per task of a component not yet covered by a reported cycle, shortest first,
        so two loops sharing a task are both reported, and a component cannot flood the output.
        """
        found = []
        for comp in self.components():
            members = set(comp)
            covered: set[int] = set()
            count = 0
            for start in comp:
                if start in covered or count >= MAX_CYCLES_PER_COMPONENT:
                    continue
                cycle = self._shortest_cycle(start, members)
                rotated = _rotate(cycle)
                if rotated not in found:
                    found.append(rotated)
                    count += 1
                covered.update(cycle)
        return sorted(found)

    def _shortest_cycle(self, start: int, members: set[int]) -> list[int]:
        prev: dict[int, int] = {}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in self.children[node]:
                if nxt not in members:
                    continue
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [*path[::-1], start]
                if nxt not in prev:
                    prev[nxt] = node
                    queue.append(nxt)
        return [start, start]  # pragma: no cover - every member of a component is on a cycle


def _rotate(cycle: list[int]) -> list[int]:
    """Rotate a closed cycle [a, ..., a] so it starts at its smallest task."""
    ring = cycle[:-1]
    k = ring.index(min(ring))
    ring = ring[k:] + ring[:k]
    return [*ring, ring[0]]

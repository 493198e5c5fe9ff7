"""The workflow as the rules and the runner see it: plain data, positions, and the task graph.

The model is tolerant: it is built from any mapping, however wrong its shapes (the schema rule
reports those), so that every rule can run on broken input without crashing. A task that is
not a mapping, or a `taskId` that is not a string, simply does not take part in the graph.
"""

from __future__ import annotations

import copy
import graphlib
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from runner.durations import seconds
from runner.errors import WorkflowError
from runner.findings import Finding, Fix, get_path
from runner.graph import Graph
from runner.yaml.loader import Source, load
from runner.yaml.nodes import Node, YamlProblem

if TYPE_CHECKING:
    from runner.schema.validate import SchemaError

CycleError = graphlib.CycleError

# The rules that decide what is malformed: their findings are never muted.
EARLIEST = frozenset({"FR001", "FR002"})

# Task fields that `defaults` gives every task that does not set them (SPEC section 1)
DEFAULTABLE = ("retryPolicy", "timeout", "resources", "queue", "priority", "triggerRule", "metadata")

PathT = tuple[str | int, ...]
_T = TypeVar("_T")


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 0
    delay: float = 0.0
    exponential: bool = False
    multiplier: float = 2.0
    max_delay: float | None = None
    jitter: float = 0.0

    @classmethod
    def from_data(cls, data: Any) -> RetryPolicy:
        """The policy of a `retryPolicy` mapping. Read tolerantly, as lint reads files that may be
        invalid: a value of the wrong type counts as not given (the schema reports it)."""
        policy = data if isinstance(data, dict) else {}
        multiplier, jitter = policy.get("backoffMultiplier", 2), policy.get("jitter", 0)
        return cls(
            max_retries=_count(policy.get("maxRetries", 0)),
            delay=seconds(policy.get("retryDelay", 0)) or 0.0,
            exponential=policy.get("exponentialBackoff") is True,
            multiplier=float(multiplier) if isinstance(multiplier, (int, float)) else 2.0,
            max_delay=seconds(policy.get("maxRetryDelay")) if "maxRetryDelay" in policy else None,
            jitter=float(jitter) if isinstance(jitter, (int, float)) else 0.0,
        )

    def delay_for(self, try_number: int, rand: float = 0.5) -> float:
        """Seconds to wait after failed try `try_number` (1-based); `rand` in [0, 1)."""
        delay = self.delay * (self.multiplier ** (try_number - 1) if self.exponential else 1.0)
        if self.max_delay is not None:
            delay = min(delay, self.max_delay)
        if self.jitter:
            delay *= 1 - self.jitter + 2 * self.jitter * rand
        return max(delay, 0.0)


def _count(value: Any) -> int:
    """A count of the schema's `integer` type (`3` or `3.0`), or 0 when it is none."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value if value >= 0 else 0
    return int(value) if isinstance(value, float) and value.is_integer() and value >= 0 else 0


def branch_targets(branches: Any) -> list[tuple[PathT, str]]:
    """(path inside the task, taskId) of every task a `branch` task's `branches` names, in file
    order: a key's value is one taskId or a list of them; anything else names no task."""
    found: list[tuple[PathT, str]] = []
    for key, value in branches.items() if isinstance(branches, dict) else ():
        if isinstance(value, str):
            found.append((("params", "branches", key), value))
        elif isinstance(value, list):
            found.extend((("params", "branches", key, i), item) for i, item in enumerate(value) if isinstance(item, str))
    return found


class Task:
    """One entry of `tasks`, read tolerantly."""

    def __init__(self, index: int, data: Any) -> None:
        self.index = index
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        task_id = self.data.get("taskId")
        self.task_id: str | None = task_id if isinstance(task_id, str) else None
        operator = self.data.get("operator")
        self.operator: str | None = operator if isinstance(operator, str) else None
        params = self.data.get("params")
        self.params: dict[str, Any] = params if isinstance(params, dict) else {}
        deps = self.data.get("dependencies")
        # (position in the list, name) of every dependency that is a string
        self.dependency_items: list[tuple[int, str]] = (
            [(j, d) for j, d in enumerate(deps) if isinstance(d, str)] if isinstance(deps, list) else []
        )
        rule = self.data.get("triggerRule")
        self.trigger_rule: str = rule if isinstance(rule, str) else "all_success"

    @property
    def dependencies(self) -> list[str]:
        return [d for _, d in self.dependency_items]

    def branch_targets(self) -> list[tuple[PathT, str]]:
        """(path inside the task, taskId) of every task a `branch` task chooses among; none for
        a task of another operator."""
        return branch_targets(self.params.get("branches")) if self.operator == "branch" else []

    @property
    def path(self) -> PathT:
        return ("tasks", self.index)

    @property
    def label(self) -> str:
        """`task 'a'`, or `task #3` for a task without a usable taskId (never `task 'None'`)."""
        return f"task '{self.task_id}'" if self.task_id is not None else f"task #{self.index + 1}"

    def __repr__(self) -> str:
        return f"Task({self.task_id!r}, {self.operator!r})"


class Workflow:
    """A workflow file or dict. Methods of SPEC section 7 that do not run anything."""

    def __init__(self, data: dict[str, Any], source: Source | None = None, path: str = "<dict>",
                 origin: Callable[[PathT], PathT] | None = None) -> None:
        self.data = data
        self.source = source
        self.path = source.path if source is not None else path
        # where a value of `data` is written in the file, when `data` is derived from it (an
        # environment overlay applied, task defaults filled in: runner/run/plan.py)
        self.origin = origin
        self._refresh()

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: str = "<dict>") -> Workflow:
        if not isinstance(data, dict):
            raise TypeError("a workflow is a mapping (dagId, tasks, ...)")
        return cls(copy.deepcopy(data), path=path)

    @classmethod
    def from_source(cls, source: Source) -> Workflow:
        return cls(source.data, source)

    def _refresh(self) -> None:
        tasks = self.data.get("tasks")
        self.tasks = [Task(i, t) for i, t in enumerate(tasks)] if isinstance(tasks, list) else []
        self.by_id: dict[str, Task] = {}
        for task in self.tasks:
            if task.task_id is not None:
                self.by_id.setdefault(task.task_id, task)
        self._graph: Graph | None = None
        self._schema_errors: list[SchemaError] | None = None
        self._malformed: frozenset[PathT] | None = None
        self.muted: set[tuple[str, str, int | None]] = set()
        self._task_lines: dict[int, int] = {}  # task index -> line of its `- taskId:`

    # -- what the schema declared malformed -------------------------------------------------------

    @property
    def schema_errors(self) -> list[SchemaError]:
        """The JSON Schema violations of the document (computed once, whichever rules run)."""
        if self._schema_errors is None:
            from runner.schema.validate import validate

            self._schema_errors = list(validate(self.data))
        return self._schema_errors

    def is_malformed(self, path: PathT) -> bool:
        """Whether the value at `path`, or one holding it, was declared malformed by the schema.

        A task without a usable taskId is malformed as a whole: what another rule would say
        about it could only name it `None`."""
        if self._malformed is None:
            paths = {error.malformed for error in self.schema_errors if error.malformed is not None}
            paths |= {t.path for t in self.tasks if t.task_id is None or (*t.path, "taskId") in paths}
            self._malformed = frozenset(paths)
        if not self._malformed:  # a valid file: the common case, asked once per finding
            return False
        return any(path[:n] in self._malformed for n in range(len(path) + 1))

    @property
    def dag_id(self) -> str:
        value = self.data.get("dagId")
        return value if isinstance(value, str) else ""

    # -- positions and findings -----------------------------------------------------------------

    def position(self, path: PathT, key: bool = False) -> tuple[int, int]:
        if self.source is None:
            return (1, 1)
        return self.source.position(self.origin(path) if self.origin is not None else path, key)

    def finding(self, code: str, message: str, path: PathT, key: bool = False, fix: Fix | None = None) -> Finding:
        """A finding at `path`. One of a rule after the schema about a value the schema declared
        malformed is muted (`muted`; the linter drops it): one mistake, one finding."""
        line, column = self.position(path, key)
        end = self._token_end(path, key, line, column)
        task_line = None
        if len(path) >= 2 and path[0] == "tasks" and isinstance(path[1], int):
            task_line = self._task_lines.get(path[1])
            if task_line is None:
                task_line = self._task_lines[path[1]] = self.position(path[:2])[0]
        if code not in EARLIEST and self.is_malformed(path):
            self.muted.add((code, message, task_line))  # not the position: a rule may refine it
        return Finding(code, message, line, column, path=self.path, fix=fix, task_line=task_line,
                       end_line=end[0] if end else None, end_column=end[1] if end else None)

    def _token_end(self, path: PathT, key: bool, line: int, column: int) -> tuple[int, int] | None:
        """Where the scalar found at `path` ends, when the finding stands at its start."""
        node = self.source.node(self.origin(path) if self.origin is not None else path, key) if self.source else None
        if node is None or node.kind != "scalar" or (node.line, node.column) != (line, column):
            return None
        return node.end_line, node.end_column

    def is_muted(self, finding: Finding) -> bool:
        return (finding.code, finding.message, finding.task_line) in self.muted

    # -- graph ------------------------------------------------------------------------------------

    @property
    def graph(self) -> Graph:
        """The graph of the uniquely named tasks (first occurrence of a duplicate id wins)."""
        if self._graph is None:
            tasks = list(self.by_id.values())
            self._graph = Graph.build([t.task_id or "" for t in tasks], [t.dependencies for t in tasks])
        return self._graph

    def _names(self, indices: list[int]) -> list[str]:
        return [self.graph.names[i] for i in indices]

    def topological_order(self) -> list[str]:
        """Task ids, upstream first, ties in file order; raises CycleError."""
        return self._names(self._acyclic(self.graph.order))

    def stages(self) -> list[list[str]]:
        """Stage k holds the tasks whose longest upstream path has k edges; raises CycleError."""
        return [self._names(stage) for stage in self._acyclic(self.graph.stages)]

    def _acyclic(self, compute: Callable[[], _T]) -> _T:
        """`compute()`, with a CycleError naming tasks (`a -> b -> a`) instead of graph indices."""
        try:
            return compute()
        except CycleError as exc:
            cycle = [self.graph.names[i] for i in exc.args[1]] if len(exc.args) > 1 else []
            raise CycleError(f"circular dependency: {' -> '.join(cycle)}", cycle) from None

    def root_tasks(self) -> list[str]:
        return self._names(self.graph.roots())

    def leaf_tasks(self) -> list[str]:
        return self._names(self.graph.leaves())

    # -- editing ----------------------------------------------------------------------------------

    def add_task(self, task: dict[str, Any]) -> Task:
        """Append a task; raises ValueError for a duplicate id, CycleError for a cycle."""
        task = copy.deepcopy(task)
        task_id = task.get("taskId") if isinstance(task, dict) else None
        if not isinstance(task_id, str):
            raise ValueError("a task needs a string taskId")
        if task_id in self.by_id:
            raise ValueError(f"task '{task_id}' already exists")
        self._try(lambda data: data.setdefault("tasks", []).append(task))
        return self.by_id[task_id]

    def set_dependencies(self, task_id: str, dependencies: list[str]) -> None:
        """Replace a task's dependencies; raises CycleError and leaves the workflow unchanged."""
        if task_id not in self.by_id:
            raise KeyError(f"no task '{task_id}'")
        unknown = [d for d in dependencies if d not in self.by_id]
        if unknown:
            raise KeyError(f"no task '{unknown[0]}'")
        index = self.by_id[task_id].index
        self._try(lambda data: data["tasks"][index].__setitem__("dependencies", list(dependencies)))

    def _try(self, change: Any) -> None:
        before = self.data
        self.data = copy.deepcopy(before)
        change(self.data)
        self._refresh()
        try:
            self.topological_order()
        except CycleError:
            self.data = before
            self._refresh()
            raise
        self.source = None  # positions no longer match the file

    # -- task defaults ----------------------------------------------------------------------------

    def effective(self, task: Task, key: str) -> Any:
        """A task field, or the workflow's `defaults` for it."""
        if key in task.data:
            return task.data[key]
        defaults = self.data.get("defaults")
        return defaults.get(key) if isinstance(defaults, dict) and key in DEFAULTABLE else None

    def effective_path(self, task: Task, key: str) -> PathT:
        """Where `effective(task, key)` is written."""
        return (*task.path, key) if key in task.data or key not in DEFAULTABLE else ("defaults", key)

    # -- strings ----------------------------------------------------------------------------------

    def distinct_strings(self, path: PathT = (), seen: set[Any] | None = None,
                         place: Callable[[PathT], Hashable] | None = None,
                         prune: Callable[[PathT], bool] | None = None) -> Iterator[tuple[PathT, str]]:
        """Every string value below `path` (keys excluded) with its path, in document order, each
        node of the file once: a node reached again through an alias or a merge key is not walked
        again (its findings are reported once, at the anchor), so a 1 MiB scalar behind 10,000
        aliases is read once. A scalar is given again only where `place(path)` differs (for a rule
        that reads the key: `token: *x` after `note: &x ...`). A list or mapping whose path `prune`
        accepts is not entered. `seen` carries this across calls."""
        seen = set() if seen is None else seen
        node = self.source.node(path) if self.source is not None else None
        data = get_path(self.data, path)
        if node is None or node.data is not data:  # no file behind the data, or an edited workflow
            yield from _data_strings(data, path, seen)
            return
        stack: list[tuple[PathT, Node]] = [(path, node)]
        while stack:
            at, node = stack.pop()
            if node.kind == "scalar":
                mark = (id(node), place(at) if place is not None else None)
                if isinstance(node.data, str) and mark not in seen:
                    seen.add(mark)
                    yield at, node.data
            elif id(node) not in seen and not (prune is not None and prune(at)):
                seen.add(id(node))
                if node.kind == "map":
                    stack.extend(((*at, key.data), value) for key, value in reversed(node.pairs))
                else:
                    stack.extend(((*at, i), item) for i, (item, _) in reversed(list(enumerate(node.pairs))))


def _data_strings(value: Any, path: PathT, seen: set[Any]) -> Iterator[tuple[PathT, str]]:
    """`distinct_strings` over plain data: a list or mapping shared by several places once."""
    stack: list[tuple[PathT, Any]] = [(path, value)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, str):
            yield at, value
        elif isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            items = list(value.items() if isinstance(value, dict) else enumerate(value))
            stack.extend(((*at, key), item) for key, item in reversed(items))


def apply_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with each task's missing `DEFAULTABLE` fields copied from `defaults`; what differs
    is copied, `data` itself is not changed."""
    defaults = data.get("defaults") or {}
    tasks = data.get("tasks")
    if not (defaults and isinstance(defaults, dict) and isinstance(tasks, list)):
        return data
    keys = [k for k in DEFAULTABLE if k in defaults]
    filled = [
        {**task, **{k: copy.deepcopy(defaults[k]) for k in keys if k not in task}}
        if isinstance(task, dict) and any(k not in task for k in keys) else task
        for task in tasks
    ]
    return {**data, "tasks": filled}


def load_workflow(path: str | Path) -> Workflow:
    """Load a workflow file; raises WorkflowError (with file:line:col) if it is not valid YAML."""
    try:
        return Workflow.from_source(load(path))
    except YamlProblem as exc:
        raise WorkflowError(str(path), exc.line, exc.column, exc.message) from None


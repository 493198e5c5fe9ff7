"""OpenLineage events of a run, and the datasets each task read and wrote (kept in the store).

A `Recorder` wraps the run's `notify`: it turns the engine's events into OpenLineage RunEvents
(spec 2-0-2): one job for the run (`<dagId>`) and one per task try (`<dagId>.<taskId>`, with the
`parent` facet naming the run). Run ids are UUIDs derived from flowrun's run id, so a resume
sends the same ones. Datasets come from the task's `inlets`/`outlets` (templated like params)
and, at COMPLETE, from a `lineage: {inputs, outputs}` object in the task's output; reads of other
tasks' outputs (`ti.xcom_pull`) go in the custom `flowrun_xcom` facet. Every event is masked
like the logs before it leaves. Each successful task's datasets are recorded as a
`lineage_datasets` event (read by `flowrun lineage`), with or without a lineage endpoint.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from runner.run.context import TaskInstance, template_context
from runner.run.engine import RunEvent, RunSetup
from runner.run.lineage_send import Sender
from runner.run.plan import thaw
from runner.run.store import StoreError

PRODUCER = "https://pypi.org/project/flowrun/"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
PARENT_URL = "https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json#/$defs/ParentRunFacet"
ERROR_URL = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
XCOM_URL = "https://pypi.org/project/flowrun/#flowrun_xcom"  # a custom facet: the tasks whose output it read
_NS = uuid.UUID("6f1e4c2a-9a57-4b0e-8d35-2f6b2c8a7e11")  # flowrun's namespace for uuid5
MAX_FAILURES = 50  # lineage_failed events recorded per run


def run_uuid(run_id: str, task_id: str | None = None, try_number: int | None = None) -> str:
    """The OpenLineage run id: the same for the same flowrun run (and task try), resumed or not."""
    key = run_id if task_id is None else f"{run_id}/{task_id}/{try_number}"
    return str(uuid.uuid5(_NS, key))


def dataset(item: Any) -> dict[str, str] | None:
    """{namespace, name} from a mapping or a URI string (`s3://bucket/key`, `postgres://host/db.table`, a path)."""
    if isinstance(item, dict):
        ns, name = item.get("namespace"), item.get("name")
        return {"namespace": str(ns), "name": str(name)} if ns and name else None
    if not isinstance(item, str) or not item:
        return None
    scheme, sep, rest = item.partition("://")
    if not sep:
        return {"namespace": "file", "name": item}
    authority, _, path = rest.partition("/")
    return {"namespace": f"{scheme}://{authority}", "name": path or "/"}


def datasets(items: Any) -> list[dict[str, str]]:
    found = [dataset(i) for i in items] if isinstance(items, list) else []
    return [d for d in found if d is not None]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def xcom_reads(params: Any) -> list[str]:
    """Tasks whose output the params read with `ti.xcom_pull(task_ids=...)` (literal ids only)."""
    from runner.templates.analyze import analyze
    from runner.templates.render import is_template

    reads: list[str] = []
    for text in _strings(params):
        if "xcom_pull" in text and is_template(text):
            for target, _line in analyze(text).xcom_targets:
                if target and target not in reads:
                    reads.append(target)
    return reads


class Recorder:
    """The run's notify, plus OpenLineage events (when `target` is set) and the recorded datasets."""

    def __init__(self, setup: RunSetup, inner: Callable[[RunEvent], None], target: str | None) -> None:
        self.s = setup
        self.inner = inner
        self.sender = Sender(target) if target else None
        data = setup.plan.data
        self.namespace = str((thaw(data.get("lineage")) or {}).get("namespace") or "flowrun")
        self.declared = {t.get("taskId"): t for t in thaw(data.get("tasks")) or [] if isinstance(t, dict)}
        self.outputs: dict[str, Any] = {}
        self.failed = 0

    def __call__(self, event: RunEvent) -> None:
        self.inner(event)
        try:
            self._handle(event)
        except StoreError:
            raise  # the run stops as for any store failure
        except Exception as exc:  # lineage never changes a run's outcome
            self.s.store.add_event("lineage_failed", self.s.run_id, self.s.plan.dag_id, event.task_id,
                                   {"event": event.event, "error": self.s.masker.mask(f"lineage: {type(exc).__name__}: {exc}")})
        finally:
            self._record_failures()

    def _handle(self, event: RunEvent) -> None:
        kind, task_id = event.event, event.task_id
        if kind == "run_started":
            self._emit("START", None, None)
        elif kind == "run_finished":
            self._emit({"success": "COMPLETE", "failed": "FAIL"}.get(event.state or "", "ABORT"), None, None)
            if self.sender is not None:
                self.sender.close()
        elif task_id is None or event.try_number is None:
            return
        elif kind == "task_state" and event.state == "running":
            self._emit("START", task_id, event.try_number)
        elif kind == "task_state" and event.state == "success":
            self._complete(task_id, event.try_number)
        elif kind in ("task_retry", "task_failed") or (kind == "task_state" and event.state == "failed"):
            aborted = kind == "task_state" and event.message == "interrupted"
            self._emit("ABORT" if aborted else "FAIL", task_id, event.try_number, error=event.message)

    # -- the datasets of a task -----------------------------------------------------------------

    def _declared(self, task_id: str, key: str, try_number: int) -> list[dict[str, str]]:
        items = (self.declared.get(task_id) or {}).get(key)
        if not items:
            return []
        from runner.templates.render import TemplateProblem, contains_template, render_value

        if contains_template(items):
            s = self.s
            context = template_context(s.plan.dag_id, s.run_id, s.logical_date, task_id, try_number, s.params,
                                       s.variables, TaskInstance(self.outputs, frozenset(str(t) for t in self.declared)))
            with contextlib.suppress(TemplateProblem):  # (the task's own params fail too): the text as written
                items = render_value(items, context)
        return datasets(items)

    def _complete(self, task_id: str, try_number: int) -> None:
        row = self.s.store.task_states(self.s.run_id).get(task_id)
        output = json.loads(row["output"]) if row is not None and row["output"] else None  # (stored masked)
        self.outputs[task_id] = output
        inputs = self._declared(task_id, "inlets", try_number)
        outputs = self._declared(task_id, "outlets", try_number)
        found = output.get("lineage") if isinstance(output, dict) else None
        if isinstance(found, dict):
            inputs += [d for d in datasets(found.get("inputs")) if d not in inputs]
            outputs += [d for d in datasets(found.get("outputs")) if d not in outputs]
        reads = xcom_reads((self.declared.get(task_id) or {}).get("params"))
        payload = {"try_number": try_number, "inputs": inputs, "outputs": outputs, "reads": reads}
        self.s.store.add_event("lineage_datasets", self.s.run_id, self.s.plan.dag_id, task_id,
                               self.s.masker.mask_value(payload))  # type: ignore[arg-type]
        self._emit("COMPLETE", task_id, try_number, inputs=inputs, outputs=outputs, reads=reads)

    # -- events ---------------------------------------------------------------------------------

    def _emit(self, kind: str, task_id: str | None, try_number: int | None, error: str | None = None,
              inputs: list[dict[str, str]] | None = None, outputs: list[dict[str, str]] | None = None,
              reads: list[str] | None = None) -> None:
        if self.sender is None:
            return
        s, dag_id = self.s, self.s.plan.dag_id
        facets: dict[str, Any] = {}
        if task_id is not None:
            assert try_number is not None
            facets["parent"] = {"_producer": PRODUCER, "_schemaURL": PARENT_URL,
                                "run": {"runId": run_uuid(s.run_id)}, "job": {"namespace": self.namespace, "name": dag_id}}
            if kind == "START":
                inputs = self._declared(task_id, "inlets", try_number)
                outputs = self._declared(task_id, "outlets", try_number)
            if reads:
                facets["flowrun_xcom"] = {"_producer": PRODUCER, "_schemaURL": XCOM_URL, "reads": reads}
        if error:
            facets["errorMessage"] = {"_producer": PRODUCER, "_schemaURL": ERROR_URL, "message": error,
                                      "programmingLanguage": "flowrun"}
        event = {
            "eventType": kind,
            "eventTime": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "run": {"runId": run_uuid(s.run_id, task_id, try_number), "facets": facets},
            "job": {"namespace": self.namespace, "name": dag_id if task_id is None else f"{dag_id}.{task_id}",
                    "facets": {}},
            "inputs": [{**d, "facets": {}} for d in inputs or []],
            "outputs": [{**d, "facets": {}} for d in outputs or []],
            "producer": PRODUCER,
            "schemaURL": SCHEMA_URL,
        }
        self.sender.send(s.masker.mask_value(event))  # type: ignore[arg-type]

    def _record_failures(self) -> None:
        if self.sender is None:
            return
        for event, why in self.sender.take_failures():
            self.failed += 1
            if self.failed > MAX_FAILURES:
                continue
            job = event.get("job", {}).get("name")
            task_id = job.split(".", 1)[1] if isinstance(job, str) and "." in job else None
            self.s.store.add_event("lineage_failed", self.s.run_id, self.s.plan.dag_id, task_id,
                                   {"event_type": event.get("eventType"), "job": job, "error": why})


def attach(setup: RunSetup, target: str | None) -> None:
    """Wrap the run's notify: events sent to `target` (if any), each task's datasets recorded."""
    setup.notify = Recorder(setup, setup.notify, target)


__all__ = ["Recorder", "attach", "dataset", "datasets", "run_uuid", "xcom_reads"]

"""Sending OpenLineage events off the run's thread: a bounded queue, one worker thread, timeouts.

`http(s)://URL` posts each event as JSON to an OpenLineage endpoint (Marquez: .../api/v1/lineage);
`file:PATH` appends one JSON event per line. Nothing here blocks a task or changes a run's
outcome: a full queue drops the event, a failed or slow send is noted in `failures` (the run
records them as `lineage_failed` events from its own thread, runner/run/lineage.py).
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from typing import Any

from runner.errors import UsageError

QUEUE_SIZE = 1000
SEND_TIMEOUT = 5.0  # seconds for one event
CLOSE_TIMEOUT = 5.0  # seconds the end of a run waits for the events still queued


def check_target(target: str) -> str:
    """The `--lineage` value as given, or a UsageError saying what to write instead."""
    if target.startswith(("http://", "https://")) and len(target.split("://", 1)[1]) > 0:
        return target
    if target.startswith("file:") and len(target) > len("file:"):
        return target
    raise UsageError(f"bad --lineage '{target}'; write http(s)://HOST/api/v1/lineage or file:PATH")


class Sender:
    """One worker thread taking events from a bounded queue and sending each within a timeout."""

    def __init__(self, target: str, timeout: float = SEND_TIMEOUT) -> None:
        self.target = check_target(target)
        self.timeout = timeout
        self.queue: queue.Queue[dict[str, Any] | None] = queue.Queue(QUEUE_SIZE)
        self.failures: list[tuple[dict[str, Any], str]] = []  # (event, why), appended by the worker
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._work, name="flowrun-lineage", daemon=True)
        self.thread.start()

    def send(self, event: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self._failed(event, f"the lineage queue is full ({QUEUE_SIZE} events); event dropped")

    def take_failures(self) -> list[tuple[dict[str, Any], str]]:
        with self.lock:
            taken, self.failures = self.failures, []
        return taken

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Wait at most `timeout` for the queued events; those left are noted as not sent."""
        deadline = time.monotonic() + timeout
        with contextlib.suppress(queue.Full):
            self.queue.put(None, timeout=timeout)
        self.thread.join(max(0.0, deadline - time.monotonic()))
        if self.thread.is_alive():
            while True:
                try:
                    event = self.queue.get_nowait()
                except queue.Empty:
                    break
                if event is not None:
                    self._failed(event, f"not sent: the lineage endpoint did not answer within {timeout:g}s")

    def _failed(self, event: dict[str, Any], why: str) -> None:
        with self.lock:
            self.failures.append((event, why))

    def _work(self) -> None:
        while True:
            event = self.queue.get()
            if event is None:
                return
            try:
                self._deliver(event)
            except Exception as exc:  # any failure of a send is noted, never raised
                self._failed(event, _reason(exc))

    def _deliver(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":"), default=str)
        if self.target.startswith("file:"):
            with open(self.target[len("file:"):], "a", encoding="utf-8") as out:
                out.write(line + "\n")
            return
        import urllib.request

        request = urllib.request.Request(self.target, data=line.encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read(65536)


def _reason(exc: Exception) -> str:
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"the lineage endpoint answered {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"the lineage endpoint cannot be reached: {exc.reason}"
    if isinstance(exc, TimeoutError):
        return "the lineage endpoint did not answer in time"
    if isinstance(exc, OSError):
        return f"the lineage file cannot be written: {exc.strerror or exc}"
    return f"the lineage event was not sent: {exc}"


__all__ = ["CLOSE_TIMEOUT", "SEND_TIMEOUT", "Sender", "check_target"]

"""The lint step of the flowrun GitHub Action (action.yml), run by the venv's Python.

Standard library only, so that it runs with whichever flowrun version the action installed.
Reads the action's inputs from the environment (INPUT_PATHS, INPUT_ARGS, INPUT_SARIF,
INPUT_FAIL_ON) and GitHub's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP); FLOWRUN is
the command that runs flowrun (default `flowrun`, a test gives `python -m runner.cli`).

1. `flowrun lint --format github`: one annotation per finding on the pull request's diff; its
   exit status is the step's (the `fail-on` input decides).
2. `flowrun lint --format json`: a job summary, a table of findings per file.
3. With `sarif: true`, `flowrun lint --format sarif` to `$RUNNER_TEMP/flowrun.sarif`: its path is
   the output `sarif`, the output `category` (`flowrun`) goes to upload-sarif.
Outputs: `problems` (the number of findings), `sarif`, `category`.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

CATEGORY = "flowrun"
FAIL_ON = ("error", "warning", "info", "never")
MAX_ROWS = 200  # findings listed one by one in the summary (the per-file table is always whole)


def main() -> int:
    flowrun = shlex.split(os.environ.get("FLOWRUN") or "flowrun")
    paths = (os.environ.get("INPUT_PATHS") or "workflows/").split()
    extra = shlex.split(os.environ.get("INPUT_ARGS") or "")
    fail_on = (os.environ.get("INPUT_FAIL_ON") or "warning").strip()
    if fail_on not in FAIL_ON:
        print(f"::error title=flowrun action::unknown fail-on '{fail_on}'; expected one of: {', '.join(FAIL_ON)}")
        return 2
    want_sarif = (os.environ.get("INPUT_SARIF") or "false").strip().lower() == "true"
    failing = ["--exit-zero"] if fail_on == "never" else ["--fail-on", fail_on]
    lint = [*flowrun, "lint", *extra]

    status = subprocess.run([*lint, "--format", "github", *failing, "--", *paths], check=False).returncode
    if status not in (0, 1):
        return status  # a usage error, said on stderr by flowrun: no summary of nothing
    report = subprocess.run([*lint, "--format", "json", "--exit-zero", "--", *paths],
                            capture_output=True, text=True, check=False)
    findings = json.loads(report.stdout) if report.returncode == 0 else []
    outputs = {"problems": str(len(findings)), "category": CATEGORY}
    if want_sarif:
        target = Path(os.environ.get("RUNNER_TEMP") or ".") / "flowrun.sarif"
        with target.open("w", encoding="utf-8") as out:
            subprocess.run([*lint, "--format", "sarif", "--exit-zero", "--", *paths], stdout=out, check=False)
        outputs["sarif"] = str(target)
    _append(os.environ.get("GITHUB_OUTPUT"), "".join(f"{k}={v}\n" for k, v in outputs.items()))
    _append(os.environ.get("GITHUB_STEP_SUMMARY"), summary(findings, fail_on))
    return status


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text)


def _cell(text: object) -> str:
    """Markdown table cell text: one line, `|` escaped, no HTML."""
    value = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(value.split())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(findings: list[dict[str, object]], fail_on: str) -> str:
    """The job summary: a table of findings per file, then the findings (at most MAX_ROWS)."""
    lines = ["## flowrun lint", ""]
    if not findings:
        return "\n".join([*lines, "No problems found.", ""]) + "\n"
    per_file: dict[str, dict[str, int]] = {}
    for f in findings:
        counts = per_file.setdefault(str(f["path"]), {"error": 0, "warning": 0, "info": 0})
        counts[str(f["severity"])] = counts.get(str(f["severity"]), 0) + 1
    lines += [f"Found {_plural(len(findings), 'problem')} in {_plural(len(per_file), 'file')} (fail-on: {fail_on}).", "",
              "| File | Errors | Warnings | Info |", "|---|---:|---:|---:|"]
    lines += [f"| `{_cell(path)}` | {c['error']} | {c['warning']} | {c['info']} |" for path, c in sorted(per_file.items())]
    lines += ["", "| Location | Code | Severity | Message |", "|---|---|---|---|"]
    for f in findings[:MAX_ROWS]:
        lines.append(f"| `{_cell(f['path'])}:{f['line']}:{f['column']}` | {_cell(f['code'])} | {_cell(f['severity'])} "
                     f"| {_cell(f['message'])} |")
    if len(findings) > MAX_ROWS:
        lines += ["", f"… and {len(findings) - MAX_ROWS} more: see the annotations or run `flowrun lint`."]
    return "\n".join(lines) + "\n\n"


if __name__ == "__main__":
    sys.exit(main())

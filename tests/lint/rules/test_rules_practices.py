"""The practice rules, on (line, column, code) of small fixtures: FR105 branch-join-always-skipped,
FR304 insecure-transport, FR401 non-idempotent-append, FR402 retry-not-idempotent, FR403
task-does-too-much, FR404 http-without-retry, FR405 cleanup-not-always, FR406 missing-timeout,
FR407 retry-delay-cap-below-delay, FR408 run-outlasts-schedule and FR501 transfer-of-data (and
the FR102 case of the issue).

Each rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import lint_findings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.findings import Finding
from runner.lint.rules.non_idempotent_append import append_targets
from runner.lint.rules.run_outlasts_schedule import shortest_interval

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


def bash(command: str, extra: str = "") -> str:
    """A one-task workflow running `command` (JSON-quoted, valid YAML) on line 6."""
    return (
        "dagId: d\n"
        "tasks:\n"
        "  - taskId: t\n"
        "    operator: bash\n"
        "    params:\n"
        f"      command: {json.dumps(command)}\n"
        f"{extra}"
    )


# -- FR102 redundant-dependency (the case of the issue) --------------------------------------------


def test_fr102_two_dependencies_implied_by_a_third(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: task1, operator: dummy}
          - {taskId: task2, operator: dummy}
          - {taskId: task3, operator: dummy, dependencies: [task1, task2]}
          - taskId: task4
            operator: dummy
            dependencies: [task1, task2, task3]
        """
    assert lint(text, "FR102") == [(8, 20, "FR102"), (8, 27, "FR102")]


# -- FR105 branch-join-always-skipped -------------------------------------------------------------

BRANCHES = """
dagId: d
tasks:
  - taskId: check
    operator: branch
    params:
      condition: "'full' if ds.endswith('01') else 'delta'"
      branches: {full: full_load, delta: [delta_load, delta_check]}
  - {taskId: full_load, operator: dummy, dependencies: [check]}
  - {taskId: delta_load, operator: dummy, dependencies: [check]}
  - {taskId: delta_check, operator: dummy, dependencies: [check]}
"""


def test_fr105_join_of_two_branches_with_the_default_rule(lint: Lint, findings: Findings) -> None:
    text = BRANCHES + """\
  - taskId: publish
    operator: dummy
    dependencies: [full_load, delta_load]
  - taskId: after_publish
    operator: dummy
    dependencies: [publish]
"""
    assert lint(text, "FR105") == [(11, 13, "FR105")]
    (finding,) = findings(text, "FR105")
    assert "none_failed_min_one_success" in finding.message and "'check'" in finding.message


@pytest.mark.parametrize("rule", ["all_success", "none_skipped", "all_done_min_one_success", "all_failed"])
def test_fr105_rules_needing_every_upstream_are_reported_at_the_rule(lint: Lint, rule: str) -> None:
    text = BRANCHES + f"""\
  - taskId: publish
    operator: dummy
    triggerRule: {rule}
    dependencies: [full_load, delta_load]
"""
    assert lint(text, "FR105") == [(13, 18, "FR105")]


@pytest.mark.parametrize("rule", ["none_failed_min_one_success", "none_failed", "one_success", "all_done", "always"])
def test_fr105_rules_that_accept_a_skipped_branch_pass(lint: Lint, rule: str) -> None:
    text = BRANCHES + f"""\
  - taskId: publish
    operator: dummy
    triggerRule: {rule}
    dependencies: [full_load, delta_load]
  - taskId: after_publish
    operator: dummy
    dependencies: [publish]
"""
    assert lint(text, "FR105") == []


def test_fr105_join_through_descendants_of_the_branches(lint: Lint) -> None:
    text = BRANCHES + """\
  - {taskId: transform, operator: dummy, dependencies: [full_load]}
  - {taskId: publish, operator: dummy, dependencies: [transform, delta_check]}
"""
    assert lint(text, "FR105") == [(12, 14, "FR105")]


def test_fr105_tasks_of_one_branch_and_the_branch_itself_are_not_a_join(lint: Lint) -> None:
    text = BRANCHES + """\
  - {taskId: both_delta, operator: dummy, dependencies: [delta_load, delta_check]}
  - {taskId: with_branch, operator: dummy, dependencies: [check, full_load]}
  - {taskId: unrelated, operator: dummy}
  - {taskId: mixed, operator: dummy, dependencies: [unrelated, full_load]}
"""
    assert lint(text, "FR105") == []


def test_fr105_with_a_cycle_says_nothing(lint: Lint) -> None:
    text = BRANCHES + """\
  - {taskId: x, operator: dummy, dependencies: [full_load, delta_load, y]}
  - {taskId: y, operator: dummy, dependencies: [x]}
"""
    assert lint(text, "FR105") == []


# -- FR304 insecure-transport ---------------------------------------------------------------------


def http(url: str, extra: str = "") -> str:
    return (
        "dagId: d\n"
        "tasks:\n"
        "  - taskId: call\n"
        "    operator: http\n"
        "    params:\n"
        f"      url: {url}\n"
        f"{extra}"
    )


def test_fr304_authorization_header_over_http(lint: Lint, findings: Findings) -> None:
    text = http("http://api.example.com/v1", '      headers: {Authorization: "Bearer {{ var.secret.t }}"}\n')
    assert lint(text, "FR304") == [(6, 12, "FR304")]
    assert "api.example.com" in findings(text, "FR304")[0].message


@pytest.mark.parametrize(
    "extra",
    [
        "      headers: {X-Api-Key: \"{{ var.value.key }}\"}\n",
        "      headers: {Cookie: \"session={{ var.value.s }}\"}\n",
        "      method: POST\n      json: {user: bob, password: \"{{ var.secret.pw }}\"}\n",
        "      body: \"token={{ var.secret.t }}\"\n",
    ],
)
def test_fr304_other_credentials_over_http(lint: Lint, extra: str) -> None:
    assert lint(http("http://api.example.com/v1", extra), "FR304") == [(6, 12, "FR304")]


def test_fr304_password_in_an_http_url(lint: Lint) -> None:
    assert lint(http("http://bob:{{ var.secret.pw }}@files.example.com/x"), "FR304") == [(6, 12, "FR304")]


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/v1",
        "http://localhost:8080/v1",
        "http://127.0.0.1/v1",
        "http://[::1]:9000/v1",
        "http://api.localhost/v1",
        "http://{{ var.value.host }}/v1",
    ],
)
def test_fr304_tls_loopback_and_templated_hosts_pass(lint: Lint, url: str) -> None:
    assert lint(http(url, '      headers: {Authorization: "Bearer {{ var.secret.t }}"}\n'), "FR304") == []


def test_fr304_plain_http_without_credentials_passes(lint: Lint) -> None:
    assert lint(http("http://mirror.example.com/data.csv", "      headers: {Accept: text/csv}\n"), "FR304") == []


# -- FR401 non-idempotent-append ------------------------------------------------------------------


def test_fr401_the_issue_example(lint: Lint, findings: Findings) -> None:
    text = bash('echo "Result: $(date)" >> results.log')
    assert lint(text, "FR401") == [(6, 45, "FR401")]
    assert "results.log" in findings(text, "FR401")[0].message


def test_fr401_overwriting_a_file_named_by_the_run_passes(lint: Lint) -> None:
    assert lint(bash("echo x > results_{{ execution_date }}.log"), "FR401") == []


@pytest.mark.parametrize(
    "command",
    [
        "echo x | tee -a results.log",
        "echo x | tee --append results.log",
        "echo x | tee -ai results.log",
        "echo x | /usr/bin/tee -a results.log",
        "echo x >>| results.log",
        "echo x>>results.log",
        "echo x 2>> results.log",
        "echo x &>> results.log",
        "y=$(echo x >> results.log)",
        'echo "$(date >> results.log)"',
        'cat <<< "$x" >> results.log',
        "cat <<EOF >> results.log\nhello\nEOF",
        "echo x >> results_{{ params.day }}.log",
        'echo x >> "$LOG_FILE"',
    ],
)
def test_fr401_appends_that_a_rerun_repeats(lint: Lint, command: str) -> None:
    assert [(line, code) for line, _, code in lint(bash(command), "FR401")] == [(6, "FR401")]


@pytest.mark.parametrize(
    "command",
    [
        "echo x >> /dev/null",
        "echo x >> /dev/stderr",
        "echo x >> /dev/stdout",
        "echo x >> /dev/fd/3",
        "echo x >&2",
        "cmd 2>>&1",
        "cmd >>&2",
        "echo x >> results_{{ ds }}.log",
        "echo x >> logs/{{ run_id }}/results.log",
        'echo x >> "out_{{ ds_nodash }}.log"',
        "echo x | tee -a out_{{ ts }}.log",
        "echo x | tee results.log",
        "echo '>>' results.log",
        'echo "a >> b"',
        "echo x > results.log",
        "./committee -a results.log",
        "cat <<EOF > report.txt\necho x >> results.log\nEOF",
        "echo x  # >> results.log",
    ],
)
def test_fr401_harmless_or_run_unique_targets_pass(lint: Lint, command: str) -> None:
    assert lint(bash(command), "FR401") == []


def test_fr401_in_a_block_scalar_on_the_line_of_the_append(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params:
              command: |
                set -e
                echo "start" > results_{{ ds }}.log
                ./compute.sh | tee -a summary.log
        """
    assert lint(text, "FR401") == [(9, 31, "FR401")]


def test_fr401_each_append_at_its_own_target(lint: Lint) -> None:
    assert lint(bash("echo log >> log && echo log >> log"), "FR401") == [(6, 29, "FR401"), (6, 48, "FR401")]


def test_fr401_only_bash_commands_are_read(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: p
            operator: python
            params: {pythonCode: "print(1 >> 2)"}
          - taskId: b
            operator: bash
            params: {command: ./run.sh, env: {X: "a >> b"}}
        """
    assert lint(text, "FR401") == []


def test_fr401_append_targets() -> None:
    assert list(append_targets("a >> x; b | tee -a y z; c >>| w")) == ["x", "y", "z", "w"]
    assert list(append_targets("a >> {{ ds }}.log")) == ["__TPL0__.log"]
    assert list(append_targets("echo 'unbalanced >> x")) == ["x"]  # unbalanced quotes: split on blanks


# -- FR402 retry-not-idempotent -------------------------------------------------------------------


def test_fr402_email_with_retries(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: notify
            operator: email
            retryPolicy: {maxRetries: 3, retryDelay: 1m}
            params: {to: ops@example.com, subject: done, body: "all good"}
        """
    assert lint(text, "FR402") == [(5, 18, "FR402")]


def test_fr402_retries_from_defaults_are_reported_at_each_task(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        defaults:
          retryPolicy: {maxRetries: 2, retryDelay: 30s}
        tasks:
          - taskId: notify
            operator: email
            params: {to: ops@example.com, subject: done, body: "all good"}
          - taskId: order
            operator: http
            params: {url: "https://api.example.com/orders", method: POST}
          - taskId: notify_once
            operator: email
            retryPolicy: {maxRetries: 0}
            params: {to: ops@example.com, subject: done, body: "all good"}
        """
    assert lint(text, "FR402") == [(5, 13, "FR402"), (8, 13, "FR402")]
    assert all("defaults.retryPolicy" in f.message for f in findings(text, "FR402"))


def test_fr402_post_with_retries_and_no_idempotency_key(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: order
            operator: http
            retryPolicy: {maxRetries: 2}
            params:
              url: https://api.example.com/orders
              method: post
              json: {item: 1}
          - taskId: patch
            operator: http
            retryPolicy: {maxRetries: 2}
            params: {url: "https://api.example.com/orders/1", method: PATCH}
        """
    assert lint(text, "FR402") == [(5, 18, "FR402"), (12, 18, "FR402")]


@pytest.mark.parametrize(
    "params",
    [
        '{url: "https://x.example.com", method: POST, headers: {Idempotency-Key: "{{ run_id }}-{{ task_id }}"}}',
        '{url: "https://x.example.com", method: POST, headers: {x-idempotency-key: "{{ run_id }}"}}',
        '{url: "https://x.example.com"}',
        '{url: "https://x.example.com", method: GET}',
        '{url: "https://x.example.com", method: PUT}',
        '{url: "https://x.example.com", method: DELETE}',
        '{url: "https://x.example.com", method: "{{ params.method }}"}',
    ],
)
def test_fr402_idempotent_requests_pass(lint: Lint, params: str) -> None:
    text = f"""
        dagId: d
        params:
          method: {{type: string, default: GET}}
        tasks:
          - taskId: call
            operator: http
            retryPolicy: {{maxRetries: 2}}
            params: {params}
        """
    assert lint(text, "FR402") == []


def test_fr402_without_retries_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: notify
            operator: email
            params: {to: ops@example.com, subject: done, body: "all good"}
          - taskId: order
            operator: http
            retryPolicy: {maxRetries: 0, retryDelay: 1m}
            params: {url: "https://api.example.com/orders", method: POST}
        """
    assert lint(text, "FR402") == []


# -- FR403 task-does-too-much ---------------------------------------------------------------------


def test_fr403_the_issue_example(lint: Lint, findings: Findings) -> None:
    text = bash("fetch_data.sh && process_data.sh && send_results.sh")
    assert lint(text, "FR403") == [(6, 16, "FR403")]
    (finding,) = findings(text, "FR403")
    assert finding.severity == "info" and "fetch_data.sh, process_data.sh, send_results.sh" in finding.message


@pytest.mark.parametrize(
    "command",
    [
        "./a.sh; ./b.sh; ./c.sh",
        "./a.sh || ./b.sh || ./c.sh",
        "./a.sh & ./b.sh & wait",
        "./a.sh\n./b.sh\n./c.sh",
        "X=1 ./a.sh && Y=2 ./b.sh && ./c.sh",
        "(./a.sh; ./b.sh) && ./c.sh",
    ],
)
def test_fr403_three_commands_are_reported(lint: Lint, command: str) -> None:
    assert lint(bash(command), "FR403") == [(6, 16, "FR403")]


@pytest.mark.parametrize(
    "command",
    [
        "a | b | c",
        "cd x && ./run.sh",
        "./a.sh && ./b.sh",
        "set -euo pipefail\ncd /srv/app\nexport MODE=full\necho starting\n./run.sh",
        "echo 'a; b; c'",
        "./run.sh  # then b; c; d",
        "for f in *.csv; do gzip \"$f\"; done",
        "if [ -f ready ]; then ./run.sh; fi",
        "while read -r line; do ./handle.sh \"$line\"; done < list.txt",
        "python3 - <<EOF\nimport os\nprint(1)\nprint(2)\nEOF",
        "echo {{ ds }}; echo {{ run_id }}; ./run.sh",
    ],
)
def test_fr403_one_step_with_setup_loops_or_data_passes(lint: Lint, command: str) -> None:
    assert lint(bash(command), "FR403") == []


def test_fr403_block_scalar_is_reported_at_the_command(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: everything
            operator: bash
            params:
              command: |
                ./fetch_data.sh
                ./process_data.sh
                ./send_results.sh
                ./archive.sh
                ./notify.sh
        """
    assert lint(text, "FR403") == [(6, 16, "FR403")]


# -- FR404 http-without-retry ---------------------------------------------------------------------


def test_fr404_http_without_retry_policy(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: fetch
            operator: http
            params: {url: "https://api.example.com/v1/items"}
          - taskId: local
            operator: bash
            params: {command: ./run.sh}
        """
    assert lint(text, "FR404") == [(3, 13, "FR404")]


def test_fr404_retry_policy_on_the_task_or_in_defaults_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: fetch
            operator: http
            retryPolicy: {maxRetries: 3, retryDelay: 10s}
            params: {url: "https://api.example.com/v1/items"}
        """
    assert lint(text, "FR404") == []
    text = """
        dagId: d
        defaults:
          retryPolicy: {maxRetries: 3}
        tasks:
          - taskId: fetch
            operator: http
            params: {url: "https://api.example.com/v1/items"}
        """
    assert lint(text, "FR404") == []


# -- FR405 cleanup-not-always ---------------------------------------------------------------------

CLEANUP = """
dagId: d
tasks:
  - {taskId: work, operator: bash, params: {command: ./work.sh /tmp/scratch}}
  - taskId: cleanup
    operator: bash
    dependencies: [work]
    params:
      command: {command}
"""


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf /tmp/scratch",
        "rm -r -f /tmp/scratch",
        "rm --recursive --force /tmp/scratch",
        "sudo rm -fR /tmp/scratch",
        "/bin/rm -rf /tmp/scratch_{{ ds }}",
        "\"set -e; rm -rf /tmp/scratch; rm -f /tmp/lock; rmdir /tmp/empty; echo cleaned\"",
    ],
)
def test_fr405_cleanup_with_the_default_rule(lint: Lint, command: str) -> None:
    assert lint(CLEANUP.replace("{command}", command), "FR405") == [(8, 16, "FR405")]


def test_fr405_cleanup_with_another_rule_is_reported(lint: Lint, findings: Findings) -> None:
    text = CLEANUP.replace("{command}", "rm -rf /tmp/scratch").replace("    dependencies: [work]\n", "    dependencies: [work]\n    triggerRule: none_failed\n")
    assert lint(text, "FR405") == [(9, 16, "FR405")]
    assert "'none_failed'" in findings(text, "FR405")[0].message


@pytest.mark.parametrize("rule", ["all_done", "always"])
def test_fr405_cleanup_that_always_runs_passes(lint: Lint, rule: str) -> None:
    text = CLEANUP.replace("{command}", "rm -rf /tmp/scratch").replace("    dependencies: [work]\n", f"    dependencies: [work]\n    triggerRule: {rule}\n")
    assert lint(text, "FR405") == []


def test_fr405_trigger_rule_from_defaults(lint: Lint) -> None:
    text = "defaults: {triggerRule: all_done}\n" + CLEANUP.replace("{command}", "rm -rf /tmp/scratch")
    assert lint(text, "FR405") == []


@pytest.mark.parametrize(
    "command",
    [
        "rm -r /tmp/scratch",
        "rm -f /tmp/lock",
        "\"rm -rf build && ./build.sh build\"",
        "\"echo 'rm -rf /tmp/scratch'\"",
        "\"cat <<EOF > note.txt\\nrm -rf /tmp/scratch\\nEOF\"",
    ],
)
def test_fr405_not_a_recursive_cleanup_passes(lint: Lint, command: str) -> None:
    assert lint(CLEANUP.replace("{command}", command), "FR405") == []


def test_fr405_a_task_without_upstream_always_runs(lint: Lint) -> None:
    assert lint(bash("rm -rf /tmp/scratch"), "FR405") == []


# -- FR406 missing-timeout ------------------------------------------------------------------------


def test_fr406_tasks_running_a_process_without_timeout(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: start, operator: dummy}
          - taskId: export
            operator: bash
            dependencies: [start]
            params: {command: ./export.sh}
          - taskId: fetch
            operator: http
            timeout: {sla: 1h}
            params: {url: "https://x.example.com"}
          - taskId: mail
            operator: email
            params: {to: a@example.com, subject: s, body: b}
          - taskId: bounded
            operator: python
            timeout: {execution: 10m}
            params: {pythonCode: "print(1)"}
          - {taskId: handover, operator: transfer, dependencies: [export], params: {sourceTask: export}}
        """
    assert lint(text, "FR406") == [(4, 13, "FR406"), (8, 13, "FR406"), (12, 13, "FR406")]


def test_fr406_timeout_in_defaults_passes(lint: Lint) -> None:
    text = """
        dagId: d
        defaults:
          timeout: {execution: 10m}
        tasks:
          - {taskId: export, operator: bash, params: {command: ./export.sh}}
          - taskId: pick
            operator: branch
            dependencies: [export]
            params: {condition: "'a'", branches: {a: a}}
          - {taskId: a, operator: dummy, dependencies: [pick]}
        """
    assert lint(text, "FR406") == []


# -- FR407 retry-delay-cap-below-delay ------------------------------------------------------------


def test_fr407_cap_below_delay_on_a_task_and_in_defaults(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        defaults:
          retryPolicy: {maxRetries: 2, retryDelay: 30000, maxRetryDelay: 30}
        tasks:
          - taskId: fetch
            operator: bash
            retryPolicy:
              maxRetries: 3
              retryDelay: 1m
              exponentialBackoff: true
              maxRetryDelay: 30s
            params: {command: ./fetch.sh}
        """
    assert lint(text, "FR407") == [(3, 66, "FR407"), (11, 22, "FR407")]
    assert "30s" in findings(text, "FR407")[1].message


@pytest.mark.parametrize(
    "policy",
    [
        "{maxRetries: 3, retryDelay: 1m, maxRetryDelay: 10m}",
        "{maxRetries: 3, retryDelay: 1m, maxRetryDelay: 60s}",
        "{maxRetries: 3, retryDelay: 1m}",
        "{maxRetries: 3, maxRetryDelay: 1s}",
        "{maxRetries: 3, retryDelay: 1h, maxRetryDelay: 1h30m}",
    ],
)
def test_fr407_cap_at_or_above_the_delay_passes(lint: Lint, policy: str) -> None:
    text = f"""
        dagId: d
        tasks:
          - taskId: fetch
            operator: bash
            retryPolicy: {policy}
            params: {{command: ./fetch.sh}}
        """
    assert lint(text, "FR407") == []


# -- FR408 run-outlasts-schedule ------------------------------------------------------------------


def scheduled(schedule: str, tasks: str) -> str:
    return f"dagId: d\nschedule: \"{schedule}\"\ntasks:\n{tasks}"


EXPORT = """\
  - taskId: export
    operator: bash
    timeout: {execution: 40m}
    retryPolicy: {maxRetries: 1, retryDelay: 5m}
    params: {command: ./export.sh}
"""


def test_fr408_hourly_run_that_can_last_85_minutes(lint: Lint, findings: Findings) -> None:
    text = scheduled("@hourly", EXPORT)
    assert lint(text, "FR408") == [(2, 11, "FR408")]
    message = findings(text, "FR408")[0].message
    assert "1h25m" in message and "1h00m" in message and "export" in message


def test_fr408_every_two_hours_is_enough(lint: Lint) -> None:
    assert lint(scheduled("0 */2 * * *", EXPORT), "FR408") == []


def test_fr408_critical_path_adds_up(lint: Lint, findings: Findings) -> None:
    tasks = """\
  - {taskId: a, operator: bash, timeout: {execution: 25m}, params: {command: ./a.sh}}
  - {taskId: b, operator: bash, timeout: {execution: 10m}, dependencies: [a], params: {command: ./b.sh}}
  - {taskId: c, operator: bash, timeout: {execution: 30m}, dependencies: [a], params: {command: ./c.sh}}
  - {taskId: d, operator: dummy, dependencies: [b, c]}
"""
    # a -> c is 55m; with d (no timeout, no process) the path stops there
    assert lint(scheduled("@hourly", tasks), "FR408") == []
    slower = tasks.replace("execution: 30m", "execution: 40m")
    assert lint(scheduled("@hourly", slower), "FR408") == [(2, 11, "FR408")]
    assert "a -> c" in findings(scheduled("@hourly", slower), "FR408")[0].message


def test_fr408_a_task_without_timeout_breaks_the_path(lint: Lint) -> None:
    tasks = """\
  - {taskId: a, operator: bash, timeout: {execution: 40m}, params: {command: ./a.sh}}
  - {taskId: b, operator: bash, dependencies: [a], params: {command: ./b.sh}}
  - {taskId: c, operator: bash, timeout: {execution: 40m}, dependencies: [b], params: {command: ./c.sh}}
"""
    assert lint(scheduled("@hourly", tasks), "FR408") == []


def test_fr408_defaults_backoff_and_cap_are_counted(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        schedule: "*/30 * * * *"
        defaults:
          timeout: {execution: 5m}
          retryPolicy: {maxRetries: 3, retryDelay: 2m, exponentialBackoff: true, maxRetryDelay: 5m}
        tasks:
          - {taskId: a, operator: bash, params: {command: ./a.sh}}
        """
    # 4 tries x 5m + waits of 2m, 4m and 5m (capped) = 31m > 30m
    assert lint(text, "FR408") == [(2, 11, "FR408")]
    assert "31m00s" in findings(text, "FR408")[0].message
    assert lint(text.replace("maxRetryDelay: 5m", "maxRetryDelay: 3m"), "FR408") == []


def test_fr408_the_shortest_gap_of_an_irregular_cron_counts(lint: Lint) -> None:
    tasks = EXPORT.replace("retryPolicy: {maxRetries: 1, retryDelay: 5m}", "retryPolicy: {maxRetries: 0}").replace("40m", "90m")
    assert lint(scheduled("0 9,10 * * *", tasks), "FR408") == [(2, 11, "FR408")]
    assert lint(scheduled("0 9,18 * * *", tasks), "FR408") == []
    assert shortest_interval("0 9,10 * * *") == 3600
    assert shortest_interval("@daily") == 86400


def test_fr408_manual_or_invalid_schedules_pass(lint: Lint) -> None:
    assert lint(f"dagId: d\nschedule: null\ntasks:\n{EXPORT}", "FR408") == []
    assert lint(f"dagId: d\ntasks:\n{EXPORT}", "FR408") == []
    assert lint(scheduled("61 * * * *", EXPORT), "FR408") == []


# -- FR501 transfer-of-data -----------------------------------------------------------------------


def test_fr501_every_transfer_task(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: extract, operator: bash, params: {command: ./extract.sh}}
          - taskId: handover
            operator: transfer
            dependencies: [extract]
            params: {sourceTask: extract}
          - {taskId: other, operator: dummy, dependencies: [handover]}
        """
    assert lint(text, "FR501") == [(5, 15, "FR501")]
    assert findings(text, "FR501")[0].severity == "info"


def test_fr501_no_transfer_no_finding(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: extract, operator: bash, params: {command: "./extract.sh --out data/extract_{{ ds }}.csv"}}
        """
    assert lint(text, "FR501") == []


# -- any command ----------------------------------------------------------------------------------

_shell = st.lists(
    st.sampled_from(["echo", "x", "rm", "-rf", "tee", "-a", ">>", ">>|", ">", "&>>", "2>>&1", "|", "&&", ";", "\n", "&",
                     "'", '"', "$(", ")", "<<EOF", "EOF", "<<<", "{{ ds }}", "{{ params.p }}", "/dev/null", "#", "\\\n"]),
    max_size=25,
).map(" ".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shell)
def test_shell_rules_never_crash_and_point_into_the_command(command: str) -> None:
    text = bash(command)
    lines = text.split("\n")
    for finding in lint_findings(text, ("FR401", "FR403", "FR405")):
        assert 6 <= finding.line < len(lines), finding
        assert 1 <= finding.column <= len(lines[finding.line - 1]), finding

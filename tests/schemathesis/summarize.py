"""Summarise a schemathesis NDJSON report (written by run.sh): cases run, by generation mode and
phase, and what failed; ends with the plain line `schemathesis: N passed, M failed`.

Usage: python summarize.py REPORT.ndjson [--by-status]
Exit status: 1 when the report holds no case at all (a run that tested nothing), else 0.
"""

from __future__ import annotations

import collections
import json
import sys


def main() -> int:
    path = sys.argv[1]
    by_status = "--by-status" in sys.argv[2:]
    passed = failed = 0
    modes: collections.Counter[str] = collections.Counter()
    phases: collections.Counter[str] = collections.Counter()
    statuses: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    failed_checks: collections.Counter[str] = collections.Counter()
    errors = 0
    run_failures: list[str] = []
    with open(path, encoding="utf-8") as report:
        for line in report:
            event = json.loads(line)
            kind = next(iter(event))
            if kind in ("NonFatalError", "FatalError"):
                errors += 1
                continue
            if kind == "EngineFinished":
                # Failures of checks over the whole run (after_run), not of one case.
                for failure in event[kind].get("failures") or []:
                    if failure.get("case_id") is None:
                        run_failures.append(f"{failure.get('title')}: {failure.get('message')}")
                continue
            if kind != "ScenarioFinished":
                continue
            finished = event[kind]
            recorder = finished["recorder"]
            checks = recorder.get("checks", {})
            for case_id, interaction in recorder.get("interactions", {}).items():
                case = recorder["cases"].get(case_id, {}).get("value", {})
                meta = case.get("meta") or {}
                modes[meta.get("generation", {}).get("mode", "unknown")] += 1
                phases[meta.get("phase", {}).get("name", finished.get("phase", "unknown"))] += 1
                response = interaction.get("response") or {}
                label = f"{case.get('method', '?')} {case.get('path', recorder.get('label', '?'))}"
                statuses[label][str(response.get("status_code", "no response"))] += 1
                results = checks.get(case_id, [])
                bad = [c["name"] for c in results if c.get("status") == "failure"]
                if bad or not response:
                    failed += 1
                    failed_checks.update(bad or ["no response"])
                else:
                    passed += 1
    cases = passed + failed
    print(f"schemathesis: {cases} cases run — by mode: "
          + ", ".join(f"{n} {m}" for m, n in sorted(modes.items()))
          + "; by phase: " + ", ".join(f"{n} {p}" for p, n in sorted(phases.items())))
    if failed_checks:
        print("failed checks: " + ", ".join(f"{name} x{n}" for name, n in sorted(failed_checks.items())))
    for failure in run_failures:
        print(f"run-level failure: {failure}")
    if errors:
        print(f"errors reported by schemathesis: {errors}")
    if by_status:
        for label in sorted(statuses, key=lambda s: (s.split(" ", 1)[1], s)):
            counts = ", ".join(f"{status}: {n}" for status, n in sorted(statuses[label].items()))
            print(f"  {label:<58} {counts}")
    print(f"schemathesis: {passed} passed, {failed + errors + len(run_failures)} failed")
    return 1 if cases == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0
"""Goals, the summary table and the figures block of docs/reliability.md."""

import re

ALL_KINDS = ("drop-reply", "http-502", "http-503", "latency", "reset", "retry-after", "trickle")

# (section, figure, comparison, target): "==" must equal, ">" must exceed (the section really
# exercised something: a run where no fault fired proves nothing).
GOALS = (
    ("playbook", "faults_fired", ">", 0),
    ("playbook", "end_state_mismatches", "==", 0),
    ("playbook", "orphans", "==", 0),
    ("playbook", "replayed_writes", "==", 0),
    ("playbook", "reruns_failed", "==", 0),
    ("playbook", "early_resends", "==", 0),
    ("driver", "faults_fired", ">", 0),
    ("driver", "end_state_mismatches", "==", 0),
    ("driver", "orphans", "==", 0),
    ("driver", "replayed_writes", "==", 0),
    ("driver", "recoveries_failed", "==", 0),
    ("driver", "early_resends", "==", 0),
    ("driver", "concurrent_access_lost", "==", 0),
    ("driver", "concurrent_access_errors", "==", 0),
    ("malformed", "cases_not_run", "==", 0),
    ("malformed", "tracebacks", "==", 0),
    ("malformed", "secret_leaks", "==", 0),
    ("malformed", "writes_for_invalid_input", "==", 0),
    ("concurrency", "lost_updates", "==", 0),
    ("concurrency", "silent_losses", "==", 0),
    ("concurrency", "writer_runs_failed", "==", 0),
    ("concurrency", "duplicate_or_missing_shares", "==", 0),
    ("failfast", "slow_failures", "==", 0),
    ("failfast", "reset_reported_as_tls", "==", 0),
    ("durability", "acknowledged_writes", ">", 0),
    ("durability", "acknowledged_writes_lost", "==", 0),
    ("durability", "integrity_failures", "==", 0),
)


def goals(sections):
    out = []
    for section, figure, comparison, target in GOALS:
        if section not in sections:
            continue
        value = sections[section]["figures"].get(figure)
        met = value is not None and (value == target if comparison == "==" else value > target)
        out.append({"section": section, "figure": figure, "value": value,
                    "goal": "%s %s" % ("=" if comparison == "==" else ">", target), "met": met})
    return out


ORDER = ("playbook", "driver", "malformed", "concurrency", "failfast", "durability")


def _rows(results):
    """(section, figure, goal text or '', value) for every figure."""
    goal_of = {(g["section"], g["figure"]): g["goal"] for g in results["goals"]}
    rows = []
    sections = sorted(results["sections"].items(),
                      key=lambda item: ORDER.index(item[0]) if item[0] in ORDER else len(ORDER))
    for section, data in sections:
        for figure, value in data["figures"].items():
            rows.append((section, figure, goal_of.get((section, figure), ""), value))
    return rows


def table(results):
    rows = _rows(results)
    met = {(g["section"], g["figure"]): g["met"] for g in results["goals"]}
    lines = ["%-12s %-28s %-6s %s" % ("section", "figure", "goal", "value")]
    for section, figure, goal, value in rows:
        flag = "" if not goal else ("  ok" if met[(section, figure)] else "  GOAL NOT MET")
        lines.append("%-12s %-28s %-6s %s%s" % (section, figure, goal, value, flag))
    return "\n".join(lines)


def _block(results, before):
    profile = results["profile"]
    lines = [
        "Profile `%s`, commit `%s`, %s, %.0f s: `%s`." % (
            profile, results["commit"], results["date"], results["seconds"],
            "make soak" if profile == "soak" else "make reliability"),
        "",
    ]
    commits = {name: data.get("commit") for name, data in results["sections"].items()}
    if len(set(commits.values())) > 1:
        lines.insert(1, "Sections run at different commits: %s." % ", ".join(
            "%s `%s`" % item for item in sorted(commits.items())))
    for name, data in sorted(results["sections"].items()):
        if data.get("kinds") and len(data["kinds"]) < len(ALL_KINDS):
            lines.insert(1, "The %s section ran the fault kinds %s only (`--kinds`)." % (
                name, ", ".join(data["kinds"])))
    before_figures = {}
    if before:
        lines[0] += " Before: commit `%s`, %s." % (before["commit"], before["date"])
        for section, data in before["sections"].items():
            for figure, value in data["figures"].items():
                before_figures[(section, figure)] = value
    head = "| Section | Figure | Goal |" + (" Before |" if before else "") + " Value |"
    lines.append(head)
    lines.append("|" + "---|" * (head.count("|") - 1))
    met = {(g["section"], g["figure"]): g["met"] for g in results["goals"]}
    for section, figure, goal, value in _rows(results):
        cells = [section, figure.replace("_", " "), goal.replace("= ", "= ").replace(">", "&gt;")]
        if before:
            cells.append(str(before_figures.get((section, figure), "—")))
        mark = "" if not goal or met[(section, figure)] else " **(goal not met)**"
        cells.append("%s%s" % (value, mark))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update_doc(path, results, before=None):
    """Replace the profile's block (between its two markers) in the Markdown file."""
    start = "<!-- reliability:%s:start -->" % results["profile"]
    end = "<!-- reliability:%s:end -->" % results["profile"]
    with open(path) as handle:
        text = handle.read()
    if start not in text or end not in text:
        raise SystemExit("%s has no %s ... %s markers" % (path, start, end))
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    block = "%s\n%s\n%s" % (start, _block(results, before), end)
    text = pattern.sub(lambda _m: block, text)
    with open(path, "w") as handle:
        handle.write(text)

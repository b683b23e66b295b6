"""Turns aftercare's JSON output into GitHub Actions step outputs and a job summary.

Usage: outputs.py (sync|status) JSON DRY_RUN OUTPUTS_FILE SUMMARY_FILE

Writes KEY=VALUE lines to OUTPUTS_FILE (created, updated, closed, reopened, unchanged for
sync; tasks, done, percent, overdue for status) and, for sync, a Markdown summary of the plan
to SUMMARY_FILE. It only reads what the CLI printed: it must not compute counts of its own,
so the numbers in a workflow are always the CLI's.
"""

import json
import sys

SYNC_FIELDS = ("created", "updated", "closed", "reopened", "unchanged")
STATUS_FIELDS = ("tasks", "done", "percent", "overdue")


def value(raw):
    """The text of one JSON scalar as a step output (numbers as JSON writes them)."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (int, float)):
        return str(raw)
    if isinstance(raw, list):
        return str(len(raw))
    return str(raw).replace("\n", " ")


def changes_of(doc):
    """The list of planned changes, under whichever key the JSON carries it."""
    for key in ("changes", "plan", "actions"):
        found = doc.get(key)
        if isinstance(found, list):
            return found
    return []


def describe(change):
    """One Markdown list line for one planned change."""
    if not isinstance(change, dict):
        return f"- {change}"
    kind = change.get("kind") or change.get("action") or change.get("change") or "change"
    key = change.get("key") or change.get("task") or ""
    issue = change.get("issue") or change.get("number")
    title = change.get("title") or ""
    parts = [f"**{kind}**"]
    if key:
        parts.append(f"`{key}`")
    if issue not in (None, ""):
        parts.append(f"#{issue}")
    if title:
        parts.append(title)
    return "- " + " ".join(parts)


def sync(doc, dry_run):
    counts = doc.get("summary")
    if not isinstance(counts, dict):
        raise SystemExit("aftercare sync printed JSON without a summary object")
    lines = [f"{name}={value(counts.get(name, 0))}" for name in SYNC_FIELDS]
    heading = "aftercare sync (dry run: nothing was changed)" if dry_run else "aftercare sync"
    md = [f"### {heading}", "", "| " + " | ".join(SYNC_FIELDS) + " |"]
    md.append("|" + "---:|" * len(SYNC_FIELDS))
    md.append("| " + " | ".join(value(counts.get(n, 0)) for n in SYNC_FIELDS) + " |")
    changes = [c for c in changes_of(doc) if describe(c)]
    if changes:
        md += ["", "Planned changes:" if dry_run else "Changes:", ""]
        md += [describe(c) for c in changes]
    return lines, "\n".join(md) + "\n"


def status(doc):
    totals = doc.get("totals")
    if not isinstance(totals, dict):
        raise SystemExit("aftercare status printed JSON without a totals object")
    return [f"{name}={value(totals.get(name, 0))}" for name in STATUS_FIELDS], ""


def main(argv):
    if len(argv) != 6 or argv[1] not in ("sync", "status"):
        raise SystemExit(__doc__)
    command, json_path, dry_run, outputs_path, summary_path = argv[1:]
    with open(json_path, encoding="utf-8") as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as err:
            raise SystemExit(f"aftercare {command} printed no valid JSON: {err}")
    if not isinstance(doc, dict):
        raise SystemExit(f"aftercare {command} printed JSON that is not an object")
    if command == "sync":
        lines, md = sync(doc, dry_run == "true")
    else:
        lines, md = status(doc)
    with open(outputs_path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))
    with open(summary_path, "w", encoding="utf-8") as f:
        f.write(md)


if __name__ == "__main__":
    main(sys.argv)

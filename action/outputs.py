"""Turns aftercare's JSON output into GitHub Actions step outputs and a job summary.

Usage: outputs.py (sync|status|remind) JSON DRY_RUN OUTPUTS_FILE SUMMARY_FILE

Writes KEY=VALUE lines to OUTPUTS_FILE (created, updated, closed, reopened, unchanged for
sync; tasks, done, percent, overdue for status; reminded, already_reminded for remind) and,
for sync and remind, a Markdown summary to SUMMARY_FILE, and prints sync's warnings and errors as annotations. It only reads
what the CLI printed: it must not compute counts of its own, so the numbers in a workflow are
always the CLI's.
"""

import html
import json
import sys

SYNC_FIELDS = ("created", "updated", "closed", "reopened", "unchanged")
STATUS_FIELDS = ("tasks", "done", "percent", "overdue")
REMIND_FIELDS = ("reminded", "already_reminded")


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


def cell(text):
    """Text safe inside a Markdown table cell: no HTML, no column breaks, one line."""
    text = html.escape(str(text), quote=False).replace("|", "\\|")
    return " ".join(text.split())


def annotation(level, message):
    """A workflow command; escaped so that no text from a postmortem can start another."""
    data = str(message).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} title=aftercare sync::{data}"


def count_lines(doc, command, key, fields):
    """The KEY=VALUE lines of `fields` in the object `key` of a command's JSON."""
    counts = doc.get(key)
    if not isinstance(counts, dict):
        raise SystemExit(f"aftercare {command} printed JSON without a {key} object")
    return [f"{name}={value(counts.get(name, 0))}" for name in fields], counts


def sync(doc, dry_run):
    lines, counts = count_lines(doc, "sync", "summary", SYNC_FIELDS)
    heading = "aftercare sync (dry run: nothing was changed)" if dry_run else "aftercare sync"
    repo = doc.get("repo")
    md = [f"### {heading}", ""]
    if repo:
        md += [f"Repository: {cell(repo)}", ""]
    md.append("| " + " | ".join(SYNC_FIELDS) + " |")
    md.append("|" + "---:|" * len(SYNC_FIELDS))
    md.append("| " + " | ".join(value(counts.get(n, 0)) for n in SYNC_FIELDS) + " |")
    changes = [
        c
        for c in doc.get("changes") or []
        if isinstance(c, dict) and c.get("action") != "unchanged"
    ]
    if changes:
        md += ["", "| change | issue | task | title |", "|---|---:|---|---|"]
        for c in changes:
            action = cell(c.get("action", ""))
            if c.get("duplicate_of") is not None:
                action += f" (duplicate of #{value(c['duplicate_of'])})"
            if c.get("error"):
                action += f" **failed:** {cell(c['error'])}"
            issue = f"#{value(c['issue'])}" if c.get("issue") is not None else ""
            key = cell(c.get("key", "")).replace("`", "")
            md.append(f"| {action} | {issue} | `{key}` | {cell(c.get('title', ''))} |")
    notes = [str(n) for n in doc.get("notes") or []]
    warnings = [str(w) for w in doc.get("warnings") or []]
    errors = [str(e) for e in doc.get("errors") or []]
    stopped = doc.get("stopped")
    if stopped:
        errors.append(f"stopped: {stopped}")
    for title, items in (("Errors", errors), ("Warnings", warnings), ("Notes", notes)):
        if items:
            md += ["", f"{title}:", ""] + [f"- {cell(i)}" for i in items]
    commands = [annotation("error", e) for e in errors]
    commands += [annotation("warning", w) for w in warnings]
    return lines, "\n".join(md) + "\n", commands


def status(doc):
    lines, _ = count_lines(doc, "status", "totals", STATUS_FIELDS)
    return lines, "", []


def remind(doc, dry_run):
    lines, _ = count_lines(doc, "remind", "summary", REMIND_FIELDS)
    heading = "aftercare remind (dry run: nothing was commented)" if dry_run else "aftercare remind"
    md = [f"### {heading}", ""]
    reminders = [r for r in doc.get("reminders") or [] if isinstance(r, dict)]
    if not reminders:
        md.append("No overdue tasks.")
    else:
        md += ["| action | issue | task | overdue since |", "|---|---:|---|---|"]
        for r in reminders:
            key = cell(r.get("key", "")).replace("`", "")
            md.append(
                f"| {cell(r.get('action', ''))} | {cell(r.get('ref', ''))} | `{key}` "
                f"| {cell(r.get('overdue_since', ''))} |"
            )
    return lines, "\n".join(md) + "\n", []


def main(argv):
    if len(argv) != 6 or argv[1] not in ("sync", "status", "remind"):
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
        lines, md, commands = sync(doc, dry_run == "true")
    elif command == "remind":
        lines, md, commands = remind(doc, dry_run == "true")
    else:
        lines, md, commands = status(doc)
    with open(outputs_path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))
    with open(summary_path, "w", encoding="utf-8") as f:
        f.write(md)
    for command_line in commands:
        print(command_line)


if __name__ == "__main__":
    main(sys.argv)

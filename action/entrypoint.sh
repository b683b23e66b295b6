#!/usr/bin/env bash
# Runs one aftercare command for the GitHub Action in action.yml.
#
# Every input arrives as an environment variable (INPUT_COMMAND, INPUT_DIR, INPUT_DRY_RUN,
# INPUT_ARGS, INPUT_README, INPUT_BADGE), never spliced into the script text, so no input can
# inject shell code. The binary is AFTERCARE_BIN (set by action/install.sh), else `aftercare`
# on PATH. Step outputs come from the command's JSON output and go to GITHUB_OUTPUT; the exit
# code is the command's own, so a failed check or sync fails the step.
#
# This script must not talk to GitHub itself, parse postmortems, or decide anything the CLI
# decides: it only turns action inputs into a command line and JSON into step outputs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${AFTERCARE_BIN:-aftercare}"
command="${INPUT_COMMAND:-check}"
dry_run="${INPUT_DRY_RUN:-false}"

common=()
if [[ -n "${INPUT_DIR:-}" ]]; then
  common+=(--dir "$INPUT_DIR")
fi
# Extra flags are split on whitespace (newlines too) only: no globbing, no quotes, no
# expansion. (Arrays are expanded as ${a[@]+"${a[@]}"} below so that bash 3.2, macOS's own,
# accepts empty ones.)
extra=()
if [[ -n "${INPUT_ARGS:-}" ]]; then
  read -r -d '' -a extra <<<"$INPUT_ARGS" || true
fi

# An input as the data of a workflow command: it cannot end the line and start another.
escape() {
  local s="${1//%/%25}"
  s="${s//$'\r'/%0D}"
  printf '%s' "${s//$'\n'/%0A}"
}

case "$dry_run" in
  true | false) ;;
  *)
    echo "::error title=aftercare::input dry-run must be true or false, not '$(escape "$dry_run")'"
    exit 1
    ;;
esac

# Appends to the job summary when there is one (there is none outside GitHub Actions).
summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    cat >>"$GITHUB_STEP_SUMMARY"
  else
    cat >/dev/null
  fi
}

# Writes KEY=VALUE lines to the step outputs (to standard output outside GitHub Actions).
outputs() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    cat >>"$GITHUB_OUTPUT"
  else
    cat
  fi
}

# Turns the JSON a command printed into step outputs and, for sync, the job summary. A
# command that failed before printing JSON has already said why on standard error.
publish() {
  local command="$1" json="$2"
  if [[ ! -s "$json" ]]; then
    return 0
  fi
  if ! command -v python3 >/dev/null; then
    echo "::error title=aftercare::python3 is needed to read the outputs of aftercare $command"
    return 1
  fi
  if ! python3 "$here/outputs.py" "$command" "$json" "$dry_run" "$work/outputs" "$work/summary.md"; then
    echo "::error title=aftercare::cannot read the outputs of aftercare $command from its JSON"
    return 1
  fi
  outputs <"$work/outputs"
  summary <"$work/summary.md"
}

work="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/aftercare.XXXXXX")"
trap 'rm -rf "$work"' EXIT

case "$command" in
  check)
    status=0
    "$bin" check --format github ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} | tee "$work/check.out" || status=$?
    # The job summary repeats the command's own closing line ("3 errors in 6 files").
    closing="$(grep -v '^::' "$work/check.out" | tail -n 1 || true)"
    {
      printf '### aftercare check\n\n%s\n' "${closing:-aftercare check printed no summary}"
      if grep -q '^::' "$work/check.out"; then
        printf '\nEach problem is an annotation on its file and line.\n'
      fi
    } | summary
    exit "$status"
    ;;
  sync)
    flags=(--format json)
    if [[ "$dry_run" == true ]]; then
      flags+=(--dry-run)
    fi
    status=0
    "$bin" sync "${flags[@]}" ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} >"$work/sync.json" || status=$?
    cat "$work/sync.json"
    publish sync "$work/sync.json" || { ((status != 0)) || status=1; }
    exit "$status"
    ;;
  status)
    if [[ -n "${INPUT_README:-}" ]]; then
      common+=(--readme "$INPUT_README")
    fi
    if [[ -n "${INPUT_BADGE:-}" ]]; then
      common+=(--badge "$INPUT_BADGE")
    fi
    status=0
    "$bin" status --format json ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} >"$work/status.json" || status=$?
    cat "$work/status.json"
    publish status "$work/status.json" || { ((status != 0)) || status=1; }
    exit "$status"
    ;;
  site)
    status=0
    "$bin" site ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} | tee "$work/site.out" || status=$?
    closing="$(tail -n 1 "$work/site.out" || true)"
    printf '### aftercare site\n\n%s\n' "${closing:-aftercare site wrote no page}" | summary
    exit "$status"
    ;;
  remind)
    flags=(--format json)
    if [[ "$dry_run" == true ]]; then
      flags+=(--dry-run)
    fi
    status=0
    "$bin" remind "${flags[@]}" ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} >"$work/remind.json" || status=$?
    cat "$work/remind.json"
    publish remind "$work/remind.json" || { ((status != 0)) || status=1; }
    exit "$status"
    ;;
  *)
    echo "::error title=aftercare::input command must be check, sync, status, site or remind, not '$(escape "$command")'"
    exit 1
    ;;
esac

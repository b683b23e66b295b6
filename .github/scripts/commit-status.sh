#!/usr/bin/env bash
# Commits and pushes the files `aftercare status` rewrote (README, badge), only when they
# changed: a run that finds nothing new makes no commit. Usage: commit-status.sh FILE...
#
# Run by .github/workflows/postmortems.yml after `status`, on the branch in GITHUB_REF_NAME,
# with a checkout whose credentials can push. When the branch moved meanwhile, it rebases
# and tries again (three times). It must not add any file but the ones it is given.
set -euo pipefail

branch="${GITHUB_REF_NAME:?GITHUB_REF_NAME names the branch to push to}"
if (($# == 0)); then
  echo "usage: commit-status.sh FILE..." >&2
  exit 2
fi

git add -- "$@"
if git diff --cached --quiet -- "$@"; then
  echo "the status files are up to date: nothing to commit"
  exit 0
fi
# The commit and any rebase of it are made as GitHub Actions' bot.
export GIT_AUTHOR_NAME="github-actions[bot]"
export GIT_AUTHOR_EMAIL="41898282+github-actions[bot]@users.noreply.github.com"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
git commit --quiet -m "Refresh the postmortem status section and badge" -- "$@"
for attempt in 1 2 3; do
  if git push --quiet origin "HEAD:$branch"; then
    echo "pushed the refreshed status to $branch"
    exit 0
  fi
  echo "push $attempt to $branch was refused; rebasing on it"
  git pull --quiet --rebase origin "$branch"
done
echo "::error title=aftercare::could not push the refreshed status to $branch"
exit 1

#!/usr/bin/env bash
# Finds the aftercare binary for the GitHub Action in action.yml, the fast way when it can.
#
# In order: AFTERCARE_BIN when it names an executable (tests, or a binary the workflow built);
# the release asset for the runner's OS and architecture when the action is used at a release
# tag (`uses: OWNER/aftercare@v1`) or at a release's commit (as `aftercare init` pins it;
# release.yml publishes Linux x86-64 and arm64 and macOS arm64); the binary an earlier step of
# the job built from the same source; otherwise it asks action.yml to build from the action's
# own source, under a cache keyed on that source. It writes `path`, `build`, `root` and `key`
# to GITHUB_OUTPUT.
#
# It must not build anything itself (action.yml does, after restoring the cache) and must not
# trust a downloaded binary whose version differs from the action's source.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
action_repository="${ACTION_REPOSITORY:-}"
action_ref="${ACTION_REF:-}"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"

emit() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf '%s\n' "$@" >>"$GITHUB_OUTPUT"
  else
    printf '%s\n' "$@"
  fi
}

if [[ -n "${AFTERCARE_BIN:-}" ]]; then
  if [[ ! -x "$AFTERCARE_BIN" ]]; then
    echo "::error title=aftercare::AFTERCARE_BIN is set to '$AFTERCARE_BIN', which is not an executable file"
    exit 1
  fi
  emit "path=$AFTERCARE_BIN" "build=false" "root=" "key="
  exit 0
fi

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)"
if [[ -z "$version" ]]; then
  echo "::error title=aftercare::cannot read the version from $action_path/Cargo.toml"
  exit 1
fi

# Whether the binary $1 is this version, built from the commit $2 when one is given:
# `--version` prints `aftercare VERSION`, followed by ` (COMMIT)`, its first seven digits, when
# the build knew its commit.
is_version() {
  local printed
  printed="$("$1" --version 2>/dev/null)" || return 1
  if [[ -n "${2:-}" ]]; then
    [[ "$printed" == "aftercare $version ($2)" ]]
  else
    [[ "$printed" == "aftercare $version" || "$printed" == "aftercare $version ("*")" ]]
  fi
}

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  *) target="" ;;
esac

# A release asset exists only for releases: the action used at a release tag, or at the
# commit of one (`aftercare init` pins that). A branch or another commit is built from source,
# because the last release's binary would not match it.
if [[ "$action_ref" =~ ^[0-9a-f]{40}$ ]]; then
  release_commit="${action_ref:0:7}"
else
  release_commit=""
fi
if [[ -n "$target" && -n "$action_repository" && ("$action_ref" =~ ^v[0-9] || -n "$release_commit") ]]; then
  url="${GITHUB_SERVER_URL:-https://github.com}/$action_repository/releases/download/v$version/aftercare-$target.tar.gz"
  dest="$temp/aftercare-$version-$target"
  mkdir -p "$dest"
  if curl --fail --silent --show-error --location --retry 3 "$url" | tar -xz -C "$dest" &&
    is_version "$dest/aftercare" "$release_commit"; then
    echo "using the released aftercare $version for $target"
    emit "path=$dest/aftercare" "build=false" "root=" "key="
    exit 0
  fi
  rm -rf "$dest"
  echo "::notice title=aftercare::no usable release asset at $url; building from source"
fi

if command -v sha256sum >/dev/null; then
  hash=(sha256sum)
else
  hash=(shasum -a 256)
fi
digest="$(
  cd "$action_path" &&
    find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | "${hash[@]}"
)"
key="aftercare-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$version-${digest%% *}"
root="${XDG_CACHE_HOME:-$HOME/.cache}/aftercare-action/${digest%% *}"
mkdir -p "$root"
root="$(cd "$root" && pwd)"
# An earlier step of the same job (the action used twice) already built this source.
if [[ -x "$root/bin/aftercare" ]] && is_version "$root/bin/aftercare"; then
  echo "using aftercare $version built earlier in this job from the same source"
  emit "path=$root/bin/aftercare" "build=false" "root=$root" "key=$key"
  exit 0
fi
echo "building aftercare $version from the action's source (cache key $key)"
emit "path=$root/bin/aftercare" "build=true" "root=$root" "key=$key"

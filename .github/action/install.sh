#!/usr/bin/env bash
# Installs anton for the GitHub Action (action.yml) into $RUNNER_TEMP/anton/bin
# and puts it on GITHUB_PATH.
# ANTON_VERSION set: the static musl binary of that release, verified
# against its .sha256 (made by .github/workflows/release.yml).
# ANTON_VERSION empty: built from the action's own checkout (cargo, release profile).
set -euo pipefail

root="${RUNNER_TEMP:-/tmp}/anton"
mkdir -p "$root/bin"
if [[ -n "${ANTON_VERSION:-}" ]]; then
  # The release binaries are static Linux (musl) builds only.
  if [[ "$(uname -s)" != Linux ]]; then
    echo "::error title=anton action::no anton release binary for $(uname -s) runners (release binaries are for Linux only); leave anton-version empty to build from source with cargo, or run the job on a Linux runner"
    exit 1
  fi
  case "$(uname -m)" in
    x86_64) target=x86_64-unknown-linux-musl ;;
    aarch64 | arm64) target=aarch64-unknown-linux-musl ;;
    *) echo "::error title=anton action::no anton release binary for $(uname -m); leave anton-version empty to build from source" && exit 1 ;;
  esac
  repository="${ANTON_REPOSITORY:?which repository the action comes from is unknown: leave anton-version empty to build from source}"
  archive="anton-$ANTON_VERSION-$target.tar.gz"
  url="${GITHUB_SERVER_URL:-https://github.com}/$repository/releases/download/$ANTON_VERSION"
  cd "$root"
  curl --fail --silent --show-error --location --retry 3 -o "$archive" "$url/$archive"
  curl --fail --silent --show-error --location --retry 3 -o "$archive.sha256" "$url/$archive.sha256"
  sha256sum --check --strict "$archive.sha256"
  tar -xzf "$archive" -C "$root/bin" anton
else
  cargo install --locked --path "$GITHUB_ACTION_PATH/crates/anton-cli" --root "$root"
fi
echo "$root/bin" >>"${GITHUB_PATH:-/dev/null}"
"$root/bin/anton" --version

#!/usr/bin/env bash
# Installs the pinned agent CLIs (agents/*/package-lock.json) with `npm ci`, for the tests that
# play sessions through the real agents (tests/real_codex.rs). Idempotent; needs node and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for dir in "$here"/*/; do
  [ -f "$dir/package-lock.json" ] || continue
  echo "== npm ci in ${dir#"$here"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
"$here/codex/node_modules/.bin/codex" --version

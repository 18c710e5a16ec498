#!/usr/bin/env bash
# Extra CI checks, run last by .ci/run: API docs for every package must generate without warnings
# (typedoc.json sets treatWarningsAsErrors), and the demo must print the report and its HTML path.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version | cut -d. -f1)" = "10" ]; then PNPM=(pnpm); else PNPM=(npx -y pnpm@10); fi
"${PNPM[@]}" run docs
test -f docs-out/index.html
out="$(node packages/cli/dist/bin.js report)"
printf '%s\n' "$out" | grep -q "Next action"
printf '%s\n' "$out" | grep -q "HTML report: "
echo "docs and demo OK"

#!/usr/bin/env bash
# System packages CI needs before `pnpm install`: Debian's chromium for the report.html browser test
# (packages/cli/test/report-html.browser.test.ts, run through playwright-core). Idempotent and fast when
# chromium is already installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(command -v chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium

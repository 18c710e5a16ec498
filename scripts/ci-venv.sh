#!/usr/bin/env bash
# Creates (or reuses) the Python venv that CI uses for the real-trainer suite and the `rlops` Python
# package: `.ci/cache/venv` (git-ignored, kept between CI steps, never committed). Installs the real
# trainers (torch CPU, transformers, trl, peft, lightning, tensorboard) and pytest from the package index
# that this machine's pip is configured with (`pip config list`), passed explicitly as --index-url so pip
# does not first retry an unreachable default index. Prints the venv's python path on its last line.
# Fails (exit 1) when the trainers cannot be installed: CI must not silently skip the real-trainer suite.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${RLOPS_VENV:-.ci/cache/venv}"
# absolute, so callers can use the printed python from any folder
mkdir -p "$(dirname "$VENV")"
VENV="$(cd "$(dirname "$VENV")" && pwd)/$(basename "$VENV")"
PKGS=(torch transformers trl peft lightning tensorboard safetensors pytest)
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c 'import torch, transformers, trl, peft, lightning, tensorboard, pytest' >/dev/null 2>&1; then
  echo "venv ready: $VENV" >&2
  echo "$PY"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "ci-venv: python3 not found" >&2; exit 1; }
python3 -m venv "$VENV"
# The configured indexes: global.index-url and global.extra-index-url (space-separated), in that order.
mapfile -t URLS < <(python3 -m pip config list 2>/dev/null \
  | sed -n -E "s/^(global|install)\.(index-url|extra-index-url)='(.*)'$/\3/p" | tr ' ' '\n' | sed '/^$/d')
ARGS=()
if [ "${#URLS[@]}" -gt 0 ]; then
  ARGS+=(--index-url "${URLS[0]}")
  for u in "${URLS[@]:1}"; do ARGS+=(--extra-index-url "$u"); done
fi
echo "ci-venv: installing ${PKGS[*]} (${#URLS[@]} configured index URLs)" >&2
"$VENV/bin/pip" install -q "${ARGS[@]}" "${PKGS[@]}" >&2
"$PY" -c 'import torch, transformers, trl, peft, lightning; print("torch", torch.__version__, "transformers", transformers.__version__, "trl", trl.__version__, "lightning", lightning.__version__)' >&2
echo "$PY"

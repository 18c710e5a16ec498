#!/usr/bin/env bash
# Real-trainer conformance suite (conformance/real-trainers/README.md): regenerates every run tree with
# the installed real trainers (transformers, TRL, PEFT, Lightning, torch DCP; CPU, tiny random models)
# into a temporary folder and runs the real-trainer TS tests (every `real-trainers*.test.ts`) on both
# the frozen trees and the fresh ones (RLOPS_REAL_TRAINERS_DIR points the tests at the fresh output).
#
# Python: $RLOPS_PYTHON when set, else the venv of scripts/ci-venv.sh (its last output line).
# In CI (CI=true) a failed install or generation is a failure. Locally without the trainers the
# regeneration is skipped with a one-line message and the tests still run on the frozen trees.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${RLOPS_PYTHON:-}"
if [ -z "$PY" ]; then
  LOG="$(mktemp)"
  if PY="$(bash scripts/ci-venv.sh 2>"$LOG" | tail -1)" && [ -n "$PY" ] && [ -x "$PY" ]; then
    rm -f "$LOG"
  else
    if [ "${CI:-}" = "true" ]; then
      cat "$LOG" >&2
      echo "ci-trainers: the real trainers could not be installed (scripts/ci-venv.sh failed); CI does not skip this suite" >&2
      rm -f "$LOG"
      exit 1
    fi
    rm -f "$LOG"
    PY=""
    echo "ci-trainers: no Python with the real trainers here; skipping regeneration (tests run on the frozen trees only)"
  fi
fi

OUT=""
if [ -n "$PY" ]; then
  OUT="$(mktemp -d "${TMPDIR:-/tmp}/rlops-real-trainers.XXXXXX")"
  trap 'rm -rf "$OUT"' EXIT
  echo "ci-trainers: regenerating the real-trainer trees with $("$PY" -c 'import torch, transformers, trl, peft, lightning; print(f"torch {torch.__version__}, transformers {transformers.__version__}, trl {trl.__version__}, peft {peft.__version__}, lightning {lightning.__version__}")')" >&2
  if ! "$PY" conformance/real-trainers/generate.py "$OUT/trees" >"$OUT/generate.log" 2>&1; then
    tail -40 "$OUT/generate.log" >&2
    echo "ci-trainers: regenerating the trees failed (log above)" >&2
    exit 1
  fi
  export RLOPS_REAL_TRAINERS_DIR="$OUT/trees"
fi

npx vitest run real-trainers

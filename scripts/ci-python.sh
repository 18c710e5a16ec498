#!/usr/bin/env bash
# Installs the `rlops` Python package (python/) into the CI venv and runs its pytest suite against the
# built CLI (packages/cli/dist/bin.js; run `pnpm build` first). Real-trainer integration tests are
# required in CI (RLOPS_REQUIRE_TRAINERS=1: a missing trainer fails, never skips).
# The package and its build backend (python/_build/rlops_build.py) are standard-library only, so the
# install needs no index and no setuptools/wheel (--no-deps --no-build-isolation).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$(bash scripts/ci-venv.sh | tail -1)"
CLI="$PWD/packages/cli/dist/bin.js"
[ -f "$CLI" ] || { echo "ci-python: $CLI is missing: run pnpm build first" >&2; exit 1; }
"$PY" -m pip install -q --no-deps --no-build-isolation --force-reinstall ./python
export RLOPS_CLI="$CLI"
if [ "${CI:-}" = "true" ]; then export RLOPS_REQUIRE_TRAINERS=1; fi
# Run from the tests folder's parent so `import rlops` is the installed package, not python/src.
set +e
(cd python && "$PY" -m pytest -q -p no:cacheprovider tests "$@")
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "ci-python: pytest collected no tests" >&2; exit 1; fi
exit "$rc"

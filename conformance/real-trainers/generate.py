"""Regenerates every real-trainer tree: `python generate.py OUT_DIR [name ...]`.

Runs the real trainers (transformers, TRL, PEFT, Lightning, torch DCP) on CPU with tiny random models.
See README.md. The interpreter is whatever runs this file (scripts/ci-trainers.sh passes $RLOPS_PYTHON).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "gen"))

import warnings  # noqa: E402

warnings.filterwarnings("ignore")


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1]).resolve()
    only = set(sys.argv[2:]) or None
    out.mkdir(parents=True, exist_ok=True)
    import transformers

    transformers.logging.set_verbosity_error()
    import hf  # noqa: E402

    mods = [hf]
    for extra in ["grpo", "lightning_runs", "dcp_runs", "sharded", "corrupt"]:
        try:
            mods.append(__import__(extra))
        except ModuleNotFoundError as e:
            if e.name != extra:
                raise
    for m in mods:
        t = time.time()
        names = m.generate(out, only)
        if names:
            print(f"{m.__name__}: {', '.join(names)} ({time.time() - t:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

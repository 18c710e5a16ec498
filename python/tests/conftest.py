"""Shared fixtures: the real built CLI (RLOPS_CLI), the repo's shipped specs, trainer requirements."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)
REPO = os.path.dirname(PKG)
sys.path.insert(0, HERE)

BUILT_CLI = os.path.join(REPO, "packages", "cli", "dist", "bin.js")
ARC_SPEC = os.path.join(REPO, "packages", "rewards", "examples", "gpt-oss-arc.yaml")


def pytest_configure(config):
    if not os.environ.get("RLOPS_CLI") and os.path.isfile(BUILT_CLI):
        os.environ["RLOPS_CLI"] = BUILT_CLI


def cli_path() -> str:
    path = os.environ.get("RLOPS_CLI") or BUILT_CLI
    if not os.path.isfile(path):
        pytest.fail("the built CLI is missing at %s: run `pnpm build` (or set RLOPS_CLI)" % path)
    return path


def run_cli(*args: str, input_text: str = None, check: bool = True) -> subprocess.CompletedProcess:
    cmd = ["node", cli_path(), *args] if cli_path().endswith(".js") else [cli_path(), *args]
    proc = subprocess.run(cmd, input=input_text, capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError("%s -> %d\n%s%s" % (" ".join(cmd), proc.returncode, proc.stdout, proc.stderr))
    return proc


def require(*modules: str):
    """Imports trainer modules: skipped locally when missing, a failure with RLOPS_REQUIRE_TRAINERS=1 (CI)."""
    out = []
    for name in modules:
        try:
            out.append(importlib.import_module(name))
        except ImportError as e:
            if os.environ.get("RLOPS_REQUIRE_TRAINERS") == "1":
                pytest.fail("RLOPS_REQUIRE_TRAINERS=1 but %s cannot be imported: %s" % (name, e))
            pytest.skip("%s is not installed (integration tests need real trainers; CI sets RLOPS_REQUIRE_TRAINERS=1)" % name)
    return out[0] if len(out) == 1 else out


@pytest.fixture(scope="session")
def init_spec(tmp_path_factory) -> str:
    """The reward-spec.yaml that `rlops init` writes (and its breaker.yaml), from the real CLI."""
    folder = tmp_path_factory.mktemp("init")
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        run_cli("init")
    finally:
        os.chdir(cwd)
    path = folder / "reward-spec.yaml"
    assert path.is_file(), os.listdir(folder)
    return str(path)


@pytest.fixture(scope="session")
def arc_spec() -> str:
    return ARC_SPEC


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """A tiny random Qwen2 causal LM and a locally trained tokenizer with a chat template, saved once."""
    require("torch", "transformers", "tokenizers")
    from tiny_model import make_tiny

    return make_tiny(str(tmp_path_factory.mktemp("tiny")))

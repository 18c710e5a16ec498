"""Runs every ```python block of python/README.md (not marked <!-- no-run -->) in a folder set up by `rlops init`."""

from __future__ import annotations

import os
import re

import pytest

from conftest import PKG, run_cli

README = os.path.join(PKG, "README.md")


def blocks():
    text = open(README, encoding="utf-8").read()
    out = []
    for m in re.finditer(r"(<!-- no-run -->\n)?```python\n(.*?)```", text, re.S):
        if not m.group(1):
            out.append(m.group(2))
    return out


def test_readme_has_examples():
    assert len(blocks()) >= 5


@pytest.mark.parametrize("index", range(len(blocks())))
def test_readme_example(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_cli("init")
    monkeypatch.setenv("RLOPS_SPEC", "")  # restored after the block (the verl example sets it)
    monkeypatch.delenv("RLOPS_SPEC")
    exec(compile(blocks()[index], "README.md block %d" % index, "exec"), {"__name__": "__readme__"})

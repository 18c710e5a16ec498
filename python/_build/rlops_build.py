"""A PEP 517 build backend in the standard library only, so `pip install ./python` works offline.

It builds a pure-Python wheel of ``src/rlops`` (and an sdist); metadata comes from ``pyproject.toml``'s
``[project]`` table (name, version, description, requires-python) and README.md.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAG = "py3-none-any"


def _project():
    text = open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8").read()
    table = text.split("[project]", 1)[1].split("\n[", 1)[0]

    def field(name):
        m = re.search(r'^%s\s*=\s*"([^"]*)"' % re.escape(name), table, re.M)
        return m.group(1) if m else None

    return {"name": field("name"), "version": field("version"), "summary": field("description"),
            "requires_python": field("requires-python")}


def _metadata(p) -> str:
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    lines = ["Metadata-Version: 2.1", "Name: %s" % p["name"], "Version: %s" % p["version"],
             "Summary: %s" % p["summary"], "License: Apache-2.0"]
    if p["requires_python"]:
        lines.append("Requires-Python: %s" % p["requires_python"])
    for extra in ("hf", "trl", "lightning"):
        lines.append("Provides-Extra: %s" % extra)
    lines += ["Description-Content-Type: text/markdown", "", readme]
    return "\n".join(lines)


def _files():
    src = os.path.join(ROOT, "src")
    for folder, dirs, names in os.walk(os.path.join(src, "rlops")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".typed")):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, src).replace(os.sep, "/"), path


def _record_line(arc, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (arc, digest, len(data))


def _wheel(wheel_directory, editable=False):
    p = _project()
    dist = "%s-%s" % (p["name"], p["version"])
    info = dist + ".dist-info"
    filename = "%s-%s.whl" % (dist, TAG)
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        def add(arc, data: bytes):
            zf.writestr(arc, data)
            records.append(_record_line(arc, data))

        if editable:
            add("rlops.pth", (os.path.join(ROOT, "src") + "\n").encode())
        else:
            for arc, path in _files():
                add(arc, open(path, "rb").read())
        add(info + "/METADATA", _metadata(p).encode("utf-8"))
        add(info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: rlops_build\nRoot-Is-Purelib: true\nTag: %s\n" % TAG).encode())
        add(info + "/top_level.txt", b"rlops\n")
        records.append(info + "/RECORD,,")
        zf.writestr(info + "/RECORD", "\n".join(records) + "\n")
    return filename


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, editable=True)


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    dist = "%s-%s" % (p["name"], p["version"])
    filename = dist + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tf:
        for rel in ["pyproject.toml", "README.md", "_build/rlops_build.py"] + ["src/" + a for a, _ in _files()]:
            tf.add(os.path.join(ROOT, rel), arcname=dist + "/" + rel)
        data = _metadata(p).encode("utf-8")
        ti = tarfile.TarInfo(dist + "/PKG-INFO")
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    return filename

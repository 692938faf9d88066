"""The supported versions are named alike everywhere, and CI runs the suite on every one of them.

pyproject.toml (``requires-python``, the classifiers, the Django floor), tox.ini's envlist, .travis.yml,
.ci/run's legs with the Makefile's Django pins, and the versions the README and the install page
state must agree; a version added to one place and not the others fails here.
"""

from __future__ import annotations

import configparser
import itertools
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the other legs run this

ROOT = Path(__file__).resolve().parent.parent


def version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def classified(prefix: str) -> set[tuple[int, int]]:
    """The versions of the ``prefix :: X.Y`` classifiers."""
    pattern = re.compile(rf"^{re.escape(prefix)} :: (\d+\.\d+)$")
    return {version(match[1]) for c in project()["classifiers"] if (match := pattern.match(c))}


def tox_envs() -> list[str]:
    """tox.ini's envlist with the ``{a,b}`` factors expanded."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "tox.ini")
    envs = []
    for line in parser["tox"]["envlist"].split():
        parts = re.split(r"\{([^}]*)\}", line)
        choices = [[part] if i % 2 == 0 else part.split(",") for i, part in enumerate(parts)]
        envs += ["".join(combo) for combo in itertools.product(*choices)]
    return envs


def ci_pythons() -> dict[str, tuple[int, int]]:
    """.ci/run's ``<LEG>_PY=X.Y`` lines: the Python each leg runs on."""
    text = (ROOT / ".ci" / "run").read_text()
    return {name: version(value) for name, value in re.findall(r"^([A-Z]+)_PY=(\d+\.\d+)\b", text, re.M)}


def make_django(name: str) -> tuple[int, int]:
    """The Django series a Makefile pin such as ``NEWEST_DJANGO ?= Django>=6.0,<6.1`` selects."""
    match = re.search(rf"^{name} \?= Django>=(\d+\.\d+),<(\d+\.\d+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, f"the Makefile has no {name} ?= Django>=X.Y,<X.Z line"
    return version(match[1])


def test_python_versions_agree_everywhere():
    pythons = classified("Programming Language :: Python")
    floor = version(re.fullmatch(r">=(\d+\.\d+)", project()["requires-python"])[1])
    assert min(pythons) == floor, "requires-python and the lowest classifier differ"
    assert sorted(pythons) == [(3, minor) for minor in range(floor[1], max(pythons)[1] + 1)], "a gap"
    tox = {version(f"{m[1][0]}.{m[1][1:]}") for env in tox_envs() if (m := re.match(r"py(\d+)-", env))}
    assert tox == pythons, "tox.ini's envlist names other Pythons than the classifiers"
    legs = ci_pythons()
    assert set(legs.values()) == pythons, ".ci/run does not run the suite on every classified Python"
    assert legs["LOWEST"] == floor and legs["NEWEST"] == max(pythons)
    travis = re.search(r"^python:\n((?:  - .*\n)+)", (ROOT / ".travis.yml").read_text(), re.M)
    assert {version(v.strip(' -"')) for v in travis[1].splitlines()} == pythons, ".travis.yml differs"
    stated = f"Python {floor[0]}.{floor[1]} to {max(pythons)[0]}.{max(pythons)[1]}"
    for page in ("README.rst", "docs/install.rst"):
        assert stated in (ROOT / page).read_text(), f"{page} does not say {stated!r}"


def test_django_versions_agree_everywhere():
    djangos = classified("Framework :: Django")
    (floor,) = [version(r.split(">=")[1]) for r in project()["dependencies"] if r.startswith("Django>=")]
    assert floor == min(djangos), "the Django floor and the lowest Django classifier differ"
    tox = {version(f"{m[1][0]}.{m[1][1:]}") for env in tox_envs() if (m := re.search(r"-django(\d+)", env))}
    assert tox == djangos, "tox.ini's envlist names other Djangos than the classifiers"
    # CI: the lowest leg installs the floor, the others the Makefile's pins.
    tested = {floor, make_django("POSTGRES_DJANGO"), make_django("NEWEST_DJANGO")}
    assert tested == djangos, ".ci/run does not run the suite on every classified Django"
    assert make_django("NEWEST_DJANGO") == max(djangos)
    stated = " and ".join(f"{major}.{minor}" for major, minor in sorted(djangos))
    for page in ("README.rst", "docs/install.rst"):
        assert f"Django {stated}" in (ROOT / page).read_text(), f"{page} does not say 'Django {stated}'"


def test_every_runtime_requirement_has_a_floor_the_lowest_leg_pins():
    """.ci/lowest.py pins each requirement of the dependencies and the runtime extras."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("lowest", ROOT / ".ci" / "lowest.py")
    lowest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lowest)
    extras = ["redis", "hiredis", "timeline", "rest"]
    assert set(extras) <= set(project()["optional-dependencies"])
    pins = lowest.floors(ROOT / "pyproject.toml", extras)
    assert version(pins["django"]) == min(classified("Framework :: Django"))
    assert {"celery", "kombu", "redis"} <= set(pins)
    assert "lowest.py redis hiredis timeline rest" in (ROOT / "Makefile").read_text()

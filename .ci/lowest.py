"""Print pip constraints that pin every runtime requirement to the floor pyproject.toml claims.

``python .ci/lowest.py redis timeline hiredis [-o FILE]`` reads ``[project] dependencies`` and
the named extras and writes one ``name==floor`` line per ``name>=floor`` requirement, extras
stripped (constraints cannot carry them), to FILE or standard output. ``make test-lowest``
installs the package under these, so the floors are exactly what the lowest-versions leg of
.ci/run tests; a requirement with no ``>=`` floor is an error, since that leg could not prove it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10 (tox's lowest env installs tomli for this)
    import tomli as tomllib

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*$")


def floors(pyproject: Path, extras: list[str]) -> dict[str, str]:
    """``{name: floor}`` of the dependencies and the named extras (names lower-cased)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [extra for extra in extras if extra not in optional]
    if unknown:
        raise SystemExit(f"pyproject.toml has no extra named {', '.join(unknown)}")
    found: dict[str, str] = {}
    for requirement in project["dependencies"] + [r for extra in extras for r in optional[extra]]:
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"{requirement!r} has no plain '>=' floor for the lowest-versions leg to pin")
        name, floor = match[1].lower(), match[2]
        if found.setdefault(name, floor) != floor:
            raise SystemExit(f"{name} has two floors in pyproject.toml: {found[name]} and {floor}")
    return found


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extras", nargs="*", help="extras whose requirements are pinned too")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    text = "".join(f"{name}=={floor}\n" for name, floor in sorted(floors(pyproject, args.extras).items()))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Lua scripts with named keys, named arguments and named results.

A script lives in a ``lua/<name>.lua`` file of the package that uses it and opens with a header
that names what it takes and what it returns::

    -- keys: followings followers friends tombstones
    -- args: time member
    -- returns: applied

A line ``-- uses: name`` puts the text of ``lua/name.lua`` (Lua functions several scripts
share) before the script's own. The header is the one place both sides agree on. Python passes
keys and arguments by name (``{"followings": ..., "time": ...}``); the script reads them as Lua
locals of those names, which :class:`Script` declares in a few lines put before the file's text.
The last key may end in ``...`` (``-- keys: sets...``), and so may the last argument: it then
takes a list, and the script sees a Lua table.

Results are decoded in one place, :meth:`Script.decode`, in one of three shapes:

* ``-- returns: a b`` -- the script returns ``{'a', value, 'b', value}``; Python gets a dict;
* ``-- returns: rows of a b c`` -- the script returns a list of ``{a, b, c}`` rows; Python gets
  a list of named tuples;
* ``-- returns: which of a b`` -- yes/no answers: the script returns the names that hold, as
  one string (``'a'``, ``'a b'`` or ``''``); Python gets ``{"a": True, "b": False}``. One reply
  element instead of a list: the hot paths (a follow, a delivery) parse less.

Scripts are sent by digest with the client's ``evalsha``, alone or queued in a pipeline, and
with ``eval`` once where a server does not know them yet; see :mod:`sequere.redis.link`.
"""

from __future__ import annotations

import hashlib
import keyword
import re
from collections import namedtuple
from collections.abc import Mapping
from importlib import resources
from typing import Any

_HEADER = re.compile(r"^--\s*(keys|args|returns|uses):(.*)$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_LUA_WORDS = frozenset(
    "and break do else elseif end false for function if in local nil not or repeat return then "
    "true until while KEYS ARGV redis".split()
)


class ScriptError(ValueError):
    """A script's header, or a call's keys or arguments, do not fit together (a bug, not bad input)."""


def _names(script: str, what: str, text: str) -> list[str]:
    names = text.split()
    for position, name in enumerate(names):
        bare = name[:-3] if name.endswith("...") else name
        if not _NAME.match(bare) or bare in _LUA_WORDS or keyword.iskeyword(bare):
            raise ScriptError(f"{script}.lua: {what} name {name!r} is not a plain lower-case name")
        if name.endswith("...") and position != len(names) - 1:
            raise ScriptError(f"{script}.lua: only the last {what} name may take a list ({name!r})")
    return names


def _bare(names: list[str]) -> list[str]:
    return [name[:-3] if name.endswith("...") else name for name in names]


def _flat(names: list[str], variadic: bool, values: Mapping[str, Any]) -> list[Any]:
    if not variadic:
        return [values[name] for name in names]
    flat = [values[name] for name in names[:-1]]
    flat.extend(values[names[-1][:-3]])
    return flat


class Script:
    """One Lua script of sequere, read from ``<package>/lua/<name>.lua`` (see the module doc)."""

    def __init__(self, package: str, name: str) -> None:
        self.name = name
        source = resources.files(package).joinpath("lua", f"{name}.lua").read_text("utf-8")
        header: dict[str, str] = {}
        for line in source.splitlines():
            match = _HEADER.match(line.strip())
            if match:
                header[match.group(1)] = match.group(2).strip()
        if "returns" not in header:
            raise ScriptError(f"{name}.lua has no '-- returns:' line")
        self.keys = _names(name, "keys", header.get("keys", ""))
        self.args = _names(name, "args", header.get("args", ""))
        returns = header["returns"]
        self.shape = "fields"
        for shape in ("rows", "which"):
            if returns.startswith(f"{shape} of "):
                self.shape, returns = shape, returns[len(shape) + 4 :]
        self.rows = self.shape == "rows"
        self.returns = _names(name, "returns", returns)
        self._fields = frozenset(self.returns)
        self.row = namedtuple(f"{name.title().replace('_', '')}Row", self.returns) if self.rows else None
        self.variadic = bool(self.keys) and self.keys[-1].endswith("...")
        self.variadic_args = bool(self.args) and self.args[-1].endswith("...")
        #: what is sent to Redis: the header's bindings, then the file
        self.text = (
            self._prelude()
            + "".join(
                resources.files(package).joinpath("lua", f"{used}.lua").read_text("utf-8")
                for used in _names(name, "uses", header.get("uses", ""))
            )
            + source
        )
        #: the SHA1 digest ``EVALSHA`` names it by
        self.sha = hashlib.sha1(self.text.encode("utf-8")).hexdigest()

    def __repr__(self) -> str:
        return f"<Script {self.name}>"

    def _prelude(self) -> str:
        """Lua lines binding each key and argument to a local of its name."""
        lines = []
        for table, names in (("KEYS", self.keys), ("ARGV", self.args)):
            fixed = [name for name in names if not name.endswith("...")]
            if fixed:
                values = ", ".join(f"{table}[{i + 1}]" for i in range(len(fixed)))
                lines.append(f"local {', '.join(fixed)} = {values}")
            if len(fixed) < len(names):
                lines.append(f"local {names[-1][:-3]} = {{unpack({table}, {len(fixed) + 1})}}")
        return "".join(line + "\n" for line in lines)

    def flatten(self, keys: Mapping[str, Any], args: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
        """``(KEYS, ARGV)`` in the header's order; ScriptError naming what is missing or extra."""
        if len(keys) != len(self.keys) or len(args) != len(self.args):
            self._mismatch(keys, args)
        try:
            return _flat(self.keys, self.variadic, keys), _flat(self.args, self.variadic_args, args)
        except KeyError:
            self._mismatch(keys, args)
            raise

    def _mismatch(self, keys: Mapping[str, Any], args: Mapping[str, Any]) -> None:
        raise ScriptError(
            f"{self.name}.lua takes keys {_bare(self.keys)} and args {_bare(self.args)}, "
            f"not keys {sorted(keys)} and args {sorted(args)}"
        )

    def decode(self, raw: Any) -> Any:
        """The script's reply as a dict (``a b``, ``which of a b``) or a list of rows (``rows of``)."""
        if self.row is not None:
            return [self.row(*row) for row in raw]
        if self.shape == "which":
            held = raw.split()
            if not self._fields.issuperset(held):
                raise ScriptError(f"{self.name}.lua returned {raw!r}, not some of {self.returns}")
            return {name: name in held for name in self.returns}
        if len(raw) != 2 * len(self.returns):
            raise ScriptError(f"{self.name}.lua returned {raw!r}, not the fields {self.returns}")
        result = dict(zip(raw[::2], raw[1::2], strict=True))
        if result.keys() != self._fields:
            raise ScriptError(f"{self.name}.lua returned {raw!r}, not the fields {self.returns}")
        return result


class ScriptCall:
    """One run of a script with its keys and arguments, ready to send alone or in a pipeline."""

    __slots__ = ("script", "keys", "args")

    def __init__(self, script: Script, keys: Mapping[str, Any], args: Mapping[str, Any]) -> None:
        self.script = script
        self.keys, self.args = script.flatten(keys, args)

    def __repr__(self) -> str:
        return f"<ScriptCall {self.script.name} {self.keys}>"


__all__ = ["Script", "ScriptCall", "ScriptError"]

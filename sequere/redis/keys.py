"""The one escaping rule and the one prefix rule of every Redis key sequere writes.

Each backend keeps its own layout (:mod:`sequere.backends.redis.keys`,
:mod:`sequere.contrib.timeline.backends.keys`) and builds it from these pieces:

* :func:`escape` writes ``%``, ``:``, ``{``, ``}``, whitespace and control characters as ``%XX``
  (their UTF-8 bytes), so a part never holds a separator and two different parts never give the
  same key; :func:`unescape` reverses it;
* :func:`key_prefix` turns a prefix setting into the start of every key: the value as written,
  followed by ``:`` unless it is empty or already ends with one (``"sequere:"`` and
  ``"sequere:timeline"`` give ``sequere:`` and ``sequere:timeline:``); ``{`` and ``}`` are refused,
  since they would change the Redis Cluster hash tag;
* :func:`hash_tag` is ``{identifier:object_id}``, escaped: every key of one resource carries it,
  so they all live in one Redis Cluster slot;
* :func:`glob_literal` quotes a prefix for a ``SCAN MATCH`` pattern.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

_SPECIAL = frozenset("%:{}")
_GLOB = frozenset("*?[]\\")


#: Any character :func:`escape` rewrites (``\s`` is what ``str.isspace`` calls whitespace).
_NEEDS_ESCAPE = re.compile(r"[%:{}\s\x00-\x1f\x7f]")


def escape(part: str) -> str:
    """``part`` with ``%``, ``:``, ``{``, ``}``, whitespace and control characters as ``%XX``."""
    if _NEEDS_ESCAPE.search(part) is None:
        return part
    out = []
    for char in part:
        if char in _SPECIAL or char.isspace() or ord(char) < 32 or ord(char) == 127:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def unescape(part: str) -> str:
    """The inverse of :func:`escape`."""
    if "%" not in part:
        return part
    raw = bytearray()
    index = 0
    while index < len(part):
        if part[index] == "%":
            raw.append(int(part[index + 1 : index + 3], 16))
            index += 3
        else:
            raw.extend(part[index].encode("utf-8"))
            index += 1
    return raw.decode("utf-8")


def key_prefix(prefix: object, setting: str) -> str:
    """The start of every key for the prefix setting ``SEQUERE_<setting>`` (see the module doc)."""
    if not isinstance(prefix, str) or "{" in prefix or "}" in prefix:
        raise ImproperlyConfigured(
            f"SEQUERE_{setting} = {prefix!r} must be a string without '{{' or '}}' "
            "(they would change the Redis Cluster hash tag); use e.g. 'sequere:myproject:'."
        )
    if prefix and not prefix.endswith(":"):
        return prefix + ":"
    return prefix


def hash_tag(identifier: str, object_id: str) -> str:
    """``{identifier:object_id}``, both escaped: the hash tag of one resource's keys."""
    return f"{{{escape(identifier)}:{escape(object_id)}}}"


def glob_literal(text: str) -> str:
    """``text`` with the ``SCAN MATCH`` wildcards (``*?[]\\``) quoted, matching only itself."""
    return "".join(f"\\{c}" if c in _GLOB else c for c in text)

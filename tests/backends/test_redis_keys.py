"""Key names of the Redis follow backend: escaping, parsing, hash tags, prefix validation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st
from redis.crc import key_slot

from sequere.backends.redis.keys import CODES, KeyBuilder
from sequere.redis.keys import escape, unescape
from sequere.refs import Ref

text = st.text(min_size=0, max_size=20)
refs = st.builds(Ref, st.text(min_size=1, max_size=10), text)


def test_layout_of_a_plain_ref():
    keys = KeyBuilder("sequere:")
    assert keys.key(Ref("user", "42"), "i", "project") == "sequere:{user:42}:i:project"


@pytest.mark.parametrize(
    "raw",
    ["a:b", "{x}", "a b", "tab\there", "new\nline", "100%", "ünïcode", "", "}:o:user", "*?[]"],
)
def test_escape_round_trips_and_hides_separators(raw):
    escaped = escape(raw)
    assert unescape(escaped) == raw
    assert not set(escaped) & set(":{} \t\n")


@given(refs, refs, st.sampled_from(CODES), st.text(min_size=1, max_size=10))
def test_parse_inverts_key(ref, other, code, identifier):
    keys = KeyBuilder("p:")
    assert keys.parse(keys.key(ref, code, identifier)) == (ref, code, identifier)
    if ref != other:
        assert keys.key(ref, code, identifier) != keys.key(other, code, identifier)


@given(refs, st.text(min_size=1, max_size=10))
def test_every_key_of_a_ref_shares_its_hash_slot(ref, identifier):
    keys = KeyBuilder("sequere:")
    slots = {key_slot(keys.key(ref, code, identifier).encode()) for code in CODES}
    assert len(slots) == 1


def test_look_alike_pks_get_different_keys():
    keys = KeyBuilder("sequere:")
    assert keys.key(Ref("tag", "a:b"), "i", "user") != keys.key(Ref("tag", "a"), "i", "user")
    assert keys.key(Ref("tag", "a}:i:x"), "i", "user") != keys.key(Ref("tag", "a"), "i", "x")


def test_scan_pattern_escapes_glob_characters():
    assert KeyBuilder("s[1]*:").pattern("o") == "s\\[1\\]\\*:{*}:o:*"


def test_parse_refuses_foreign_keys():
    keys = KeyBuilder("sequere:")
    for key in ("other:{user:1}:i:user", "sequere:{user:1}:x:user", "sequere:plain"):
        with pytest.raises(ValueError, match="not a sequere key"):
            keys.parse(key)


@pytest.mark.parametrize("prefix", ["seq{uere}:", "a}", 3])
def test_prefix_that_breaks_hash_tags_is_refused(prefix):
    with pytest.raises(ImproperlyConfigured, match="SEQUERE_REDIS_PREFIX"):
        KeyBuilder(prefix)

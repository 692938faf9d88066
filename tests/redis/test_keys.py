"""The one escaping rule and prefix rule of every key (:mod:`sequere.redis.keys`)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from sequere.backends.redis.keys import KeyBuilder as FollowKeys
from sequere.contrib.timeline.backends.keys import KeyBuilder as TimelineKeys
from sequere.redis.keys import escape, key_prefix
from sequere.refs import Ref


@pytest.mark.parametrize(
    "prefix, start",
    [("sequere:", "sequere:"), ("sequere:timeline", "sequere:timeline:"), ("", ""), ("a::", "a::")],
)
def test_a_prefix_is_followed_by_one_colon(prefix, start):
    assert key_prefix(prefix, "REDIS_PREFIX") == start


def test_both_backends_follow_the_same_rules():
    ref = Ref("user", "a b:{c}")
    assert FollowKeys("p").key(ref, "i", "user") == f"p:{{user:{escape('a b:{c}')}}}:i:user"
    assert TimelineKeys("p").timeline(ref, "private") == f"p:{{user:{escape('a b:{c}')}}}:entries:private"
    assert escape("a b:{c}") == "a%20b%3A%7Bc%7D"


@pytest.mark.parametrize(
    "setting, build", [("REDIS_PREFIX", FollowKeys), ("TIMELINE_REDIS_PREFIX", TimelineKeys)]
)
def test_braces_in_either_prefix_are_refused(setting, build):
    with pytest.raises(ImproperlyConfigured, match=f"SEQUERE_{setting}"):
        build("x{y}")

"""Property-based bad input for the timeline: extra data that is not JSON, and corrupted stored values.

Saving an action whose extra data does not serialize must fail before anything is written, with
an error naming the key; a stored value that was corrupted behind sequere's back must be skipped
(and logged) by every reader, whatever bytes it holds, while the other actions still read.
"""

from __future__ import annotations

import datetime
import decimal
import json
import logging
import math
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sequere.contrib.timeline import Timeline
from sequere.contrib.timeline.exceptions import InvalidActionException
from sequere.exceptions import SequereException
from sequere.models import follow
from tests.testapp.models import Project, User
from tests.testapp.sequere_registry import JoinAction, LikeAction

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
NOT_JSON = st.sampled_from(
    [
        object(),
        {1, 2},
        b"bytes",
        datetime.date(2024, 1, 1),
        decimal.Decimal("1.5"),
        math.nan,
        math.inf,
        complex(1, 2),
        {("tuple", "key"): 1},
        [1, [2, object()]],
    ]
)
KEYS = st.text(min_size=1, max_size=8).filter(lambda key: key not in ("actor", "target", "date"))


def json_safe(data: dict) -> bool:
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def new_people() -> tuple[User, User]:
    """A fresh actor and its follower for one example (examples share the test's database)."""
    tag = uuid.uuid4().hex[:10]
    actor = User.objects.create(username=f"actor-{tag}")
    fan = User.objects.create(username=f"fan-{tag}")
    follow(fan, actor)
    return actor, fan


@EXAMPLES
@given(data=st.dictionaries(KEYS, st.one_of(JSON_VALUES, NOT_JSON), min_size=1, max_size=4))
def test_extra_data_that_is_not_json_is_refused_before_anything_is_stored(timeline_store, data):
    actor, fan = new_people()
    before = (Timeline(actor).get_public_count(), Timeline(fan).get_private_count())
    action = LikeAction(actor=actor, **data)
    if json_safe(data):
        saved = Timeline(actor).save(action)
        [back] = [a for a in Timeline(fan).get_private() if a.id == saved.id]
        assert back.data == json.loads(json.dumps(data))
        Timeline(actor).delete(saved)
        return
    with pytest.raises(InvalidActionException) as info:
        Timeline(actor).save(action)
    assert isinstance(info.value, SequereException)
    assert "JSON" in str(info.value)
    bad_keys = [key for key, value in data.items() if not json_safe({key: value})]
    assert any(
        repr(value) in str(info.value) or key in str(info.value) for key in bad_keys for value in [data[key]]
    )
    assert (Timeline(actor).get_public_count(), Timeline(fan).get_private_count()) == before


def corrupt(store: str, action_id: str, raw: bytes) -> None:
    """Overwrite the stored value of ``action_id`` with ``raw``, behind sequere's back."""
    from django.conf import settings as django_settings

    if store == "database":
        from sequere.contrib.timeline.models import StoredAction

        StoredAction.objects.filter(id=action_id).update(
            payload=raw.decode("utf-8", "replace").replace("\x00", "")
        )
        return
    from sequere.contrib.timeline.backends.keys import KeyBuilder
    from sequere.redis.clients import build_client

    client = build_client(django_settings.SEQUERE_TIMELINE_REDIS_CONNECTION)
    key = KeyBuilder(django_settings.SEQUERE_TIMELINE_REDIS_PREFIX).action(action_id)
    assert client.exists(key), "the test must overwrite the very value the reader reads"
    client.set(key, raw)
    client.close()


def record_json(**changes) -> bytes:
    value = {"id": "x", "verb": "like", "actor": ["user", "1"], "target": None, "date": 1, "data": {}}
    value.update(changes)
    return json.dumps(value).encode()


GARBAGE = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40).map(str.encode),
    st.sampled_from(
        [
            b"",
            b"null",
            b"[]",
            b"{}",
            b"\xff\xfe\x00",
            b'{"id": 1}',
            record_json(actor=["user"]),
            record_json(date="yesterday"),
            record_json(data=[1, 2]),
            record_json(actor=None),
            record_json(verb="no-such-verb"),
            record_json(actor=["user", "999999"]),
            record_json(target=["project", "999999"]),
            record_json(actor=["nobody", "1"]),
        ]
    ),
)


@EXAMPLES
@given(raw=GARBAGE)
def test_a_corrupted_stored_action_is_skipped_and_logged(timeline_store, raw, caplog):
    actor, fan = new_people()
    project = Project.objects.create(name="p")
    good_before = Timeline(actor).save(JoinAction(actor=actor))
    victim = Timeline(actor).save(LikeAction(actor=actor, target=project))
    good_after = Timeline(actor).save(JoinAction(actor=actor))
    corrupt(timeline_store, victim.id, raw)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="sequere.timeline"):
        for timeline in (Timeline(fan).get_private(), Timeline(actor).get_public()):
            ids = [action.id for action in timeline]
            assert ids == [good_before.id, good_after.id], ids
            assert [a.id for a in timeline[0:10]] == ids
    assert any(
        victim.id in record.getMessage() or "skipped" in record.getMessage() for record in caplog.records
    )

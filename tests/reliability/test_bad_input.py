"""Property-based bad input for the follow store: awkward pks and identifiers, and non-instances.

Every backend in ``FOLLOW_BACKENDS`` must keep refs apart whatever characters they hold (Redis
keys treat ``:``, ``{``, ``}``, spaces and newlines specially), give each object back exactly as it
was stored, and refuse what it cannot store with a :class:`SequereException` that changes nothing.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sequere.backends import get_backend
from sequere.base import ModelBase
from sequere.exceptions import SequereException
from sequere.models import (
    follow,
    get_followers,
    get_followers_count,
    get_followings,
    get_followings_count,
    get_friends_count,
    is_following,
    unfollow,
)
from sequere.registration import registry
from tests.testapp.models import Project, Tag, Team, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("follow_backend")]

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Characters that separate or tag Redis keys, mixed with plain, non-ASCII and control characters.
KEY_CHARS = st.sampled_from(list(":{}% \n\t\r*?[]\\/#@\"'") + ["é", "ü", "ß", "日", "🙂", "\u2028", "\x7f"])
#: Any text PostgreSQL can store in a varchar (no NUL, no lone surrogates).
STORABLE = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
SLUGS = st.text(alphabet=st.one_of(KEY_CHARS, STORABLE), min_size=0, max_size=200)
IDENTIFIERS = st.text(alphabet=st.one_of(KEY_CHARS, STORABLE), min_size=1, max_size=100)


@contextmanager
def isolated_example():
    """Run one hypothesis example in a savepoint, and drop its edges from non-SQL stores too."""
    refs = []
    with transaction.atomic():
        try:
            yield refs
        finally:
            backend = get_backend()
            for ref in refs:
                backend.remove_all(ref)
            transaction.set_rollback(True)


@contextmanager
def registered_as(model, identifier: str):
    """Register ``model`` under ``identifier`` for the block, then restore its own options."""
    original = registry.get(model)
    registry.unregister(model)
    registry.register(model, type("Crafted", (ModelBase,), {"identifier": identifier}))
    try:
        yield
    finally:
        registry.unregister(model)
        registry.register(model, type(original))


@EXAMPLES
@given(slugs=st.lists(SLUGS, min_size=2, max_size=5, unique=True))
def test_string_pks_never_collide(slugs):
    with isolated_example() as refs:
        fan = User.objects.create(username="fan")
        tags = [Tag.objects.create(slug=slug) for slug in slugs]
        refs += [registry.get_ref(obj) for obj in [fan, *tags]]
        for tag in tags:
            follow(fan, tag)
        for left, right in zip(tags, tags[1:], strict=False):
            follow(left, right)
        follow(tags[-1], fan)

        assert get_followings_count(fan) == len(tags)
        assert sorted(t.slug for t, _ in get_followings(fan)) == sorted(slugs)
        assert [u for u, _ in get_followers(tags[0])] == [fan]
        for index, tag in enumerate(tags):
            assert get_followers_count(tag) == (1 if index == 0 else 2)
            assert {o.slug for o, _ in get_followers(tag, identifier=Tag)} == (
                set() if index == 0 else {slugs[index - 1]}
            )
            for other in tags:
                if other is not tag:
                    expected = tags.index(other) == index + 1
                    assert is_following(tag, other) is expected, (tag.slug, other.slug)
        assert get_friends_count(fan) == 1
        for tag in tags:
            unfollow(fan, tag)
        assert get_followings_count(fan) == 0
        assert all(get_followers_count(tag, identifier=User) == 0 for tag in tags)


@EXAMPLES
@given(
    user_pk=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    team_pk=st.uuids(),
    slug=SLUGS,
)
def test_every_pk_type_round_trips(user_pk, team_pk, slug):
    with isolated_example() as refs:
        user = User.objects.create(pk=user_pk, username="u")
        team = Team.objects.create(pk=team_pk, name="t")
        tag = Tag.objects.create(slug=slug)
        refs += [registry.get_ref(obj) for obj in (user, team, tag)]
        follow(user, team)
        follow(team, tag)
        follow(tag, user)
        follow(user, tag)
        [(got_team, _)] = get_followings(user, identifier=Team)
        assert got_team.pk == team_pk and isinstance(got_team.pk, uuid.UUID)
        [(got_tag, _)] = get_followers(user)
        assert got_tag.pk == slug
        assert {type(o) for o, _ in get_followings(user)} == {Team, Tag}
        assert [u.pk for u, _ in get_followers(tag, identifier=User)] == [user_pk]
        assert get_friends_count(user) == 1 and get_friends_count(tag) == 1


@EXAMPLES
@given(first=IDENTIFIERS, second=IDENTIFIERS, object_id=st.sampled_from(["1", "1:2", "{1}", " 1", "1\n"]))
def test_crafted_identifiers_never_collide(first, second, object_id):
    if first == second:
        second = first + ":"
    with registered_as(Tag, first), registered_as(Project, second), isolated_example() as refs:
        tag = Tag.objects.create(slug=object_id)
        project = Project.objects.create(name="p")
        fan = User.objects.create(username="fan")
        refs += [registry.get_ref(obj) for obj in (tag, project, fan)]
        follow(fan, tag)
        assert is_following(fan, tag) and not is_following(fan, project)
        assert get_followers_count(tag) == 1 and get_followers_count(project) == 0
        assert [o for o, _ in get_followings(fan)] == [tag]
        assert get_followings_count(fan, identifier=first) == 1
        assert get_followings_count(fan, identifier=second) == 0


def test_identifier_and_pk_that_concatenate_alike_stay_apart():
    """``tag:a`` + ``b`` and ``tag`` + ``a:b`` would share a naive ``identifier:pk`` key."""
    with registered_as(Tag, "x"), registered_as(Project, "x:y"):
        fan = User.objects.create(username="fan")
        project = Project.objects.create(name="p")
        tag = Tag.objects.create(slug=f"y:{project.pk}")
        follow(fan, tag)
        assert get_followers_count(tag) == 1
        assert get_followers_count(project) == 0
        assert not is_following(fan, project)
        follow(fan, project)
        unfollow(fan, tag)
        assert [o for o, _ in get_followings(fan)] == [project]
        get_backend().remove_all(registry.get_ref(fan))


NOT_INSTANCES = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=20),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([User, Tag, Project, object()]),
    st.builds(User, username=st.just("unsaved")),
)


@EXAMPLES
@given(bad=NOT_INSTANCES, side=st.sampled_from(["from", "to"]))
def test_non_instances_are_refused_with_nothing_stored(bad, side):
    with isolated_example() as refs:
        user = User.objects.create(username="real")
        refs.append(registry.get_ref(user))
        args = (bad, user) if side == "from" else (user, bad)
        for call in (follow, unfollow, is_following):
            with pytest.raises(SequereException) as info:
                call(*args)
            assert str(info.value), "the error must say what went wrong"
        assert get_followers_count(user) == 0 and get_followings_count(user) == 0


@EXAMPLES
@given(identifier=st.one_of(st.text(max_size=30), st.integers(), st.binary(max_size=5), st.just(object())))
def test_unknown_identifier_filters_are_named(identifier):
    if isinstance(identifier, str) and registry.is_registered_identifier(identifier):
        return
    with isolated_example() as refs:
        user = User.objects.create(username="real")
        refs.append(registry.get_ref(user))
        for call in (get_followers_count, get_followings_count, get_friends_count):
            with pytest.raises(SequereException, match="not registered|No model is registered"):
                call(user, identifier=identifier)


@pytest.mark.parametrize("length", [255, 256, 5000])
def test_huge_pk_is_stored_whole_or_refused_clearly(length):
    """A pk longer than a store can keep must be refused up front, never cut short or half-written."""
    fan = User.objects.create(username="fan")
    huge = Tag.from_db("default", ["slug"], ["é" * length])  # as a model with a long text pk loads it
    try:
        follow(fan, huge)
    except SequereException as exc:
        assert str(length) in str(exc) or "long" in str(exc), exc
        assert get_followings_count(fan) == 0 and not is_following(fan, huge)
    else:
        assert is_following(fan, huge)
        [(ref, _)] = get_backend().fetch("followings", registry.get_ref(fan))
        assert ref.object_id == "é" * length
    get_backend().remove_all(registry.get_ref(fan))

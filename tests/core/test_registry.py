"""The registry: identifiers, refs, autodiscovery, and clear errors."""

import pytest

import sequere
from sequere.base import ModelBase, Modelbase
from sequere.exceptions import (
    AlreadyRegisteredException,
    InvalidIdentifierException,
    InvalidInstanceException,
    NotRegisteredException,
)
from sequere.refs import Ref
from sequere.registration import Registry
from tests.testapp.models import Project, Tag, Team, Unregistered, User


def test_autodiscover_found_the_test_apps_registry():
    assert sequere.registry.get_identifier(User) == "user"
    assert sequere.registry.get_identifier(Project) == "project"
    assert sequere.registry.get_identifier(Tag) == "tag"  # default: model name, lower case
    assert set(sequere.registry.models) >= {User, Project, Tag, Team}


def test_readme_spellings():
    assert Modelbase is ModelBase
    registry = Registry()
    registry(Unregistered)  # the README writes `sequere.registry(Project, ProjectSequere)`
    assert registry.get_identifier(Unregistered) == "unregistered"
    registry.clear()


def test_custom_identifier_and_lookup_both_ways():
    registry = Registry()

    class ProjetSequere(ModelBase):
        identifier = "projet"

    options = registry.register(Unregistered, ProjetSequere)
    assert registry.get_by_identifier("projet") is options
    assert registry.get_identifier("projet") == "projet"
    registry.clear()


def test_registering_twice_is_idempotent_but_conflicts_are_named():
    registry = Registry()
    registry.register(Unregistered)
    registry.register(Unregistered)

    class Other(ModelBase):
        identifier = "other"

    with pytest.raises(AlreadyRegisteredException, match="already registered"):
        registry.register(Unregistered, Other)

    class Clash(ModelBase):
        identifier = "unregistered"

    with pytest.raises(AlreadyRegisteredException, match="already used by testapp.Unregistered"):
        registry.register(User, Clash)
    registry.clear()


def test_bad_identifier_is_refused():
    class Empty(ModelBase):
        identifier = ""

    with pytest.raises(InvalidIdentifierException, match="non-empty string"):
        Registry().register(Unregistered, Empty)


def test_register_needs_a_model():
    with pytest.raises(NotRegisteredException, match="Django model class"):
        Registry().register(object)


def test_unknown_identifier_lists_known_ones():
    with pytest.raises(NotRegisteredException, match=r"'ghost'.*registered: .*project"):
        sequere.registry.get_by_identifier("ghost")


@pytest.mark.django_db
def test_refs_for_every_pk_type():
    user = User.objects.create(username="a")
    team = Team.objects.create(name="t")
    tag = Tag.objects.create(slug="x:y")
    assert sequere.registry.get_ref(user) == Ref("user", str(user.pk))
    assert sequere.registry.get_ref(team) == Ref("team", str(team.pk))
    assert sequere.registry.get_ref(tag) == Ref("tag", "x:y")
    loaded = sequere.registry.load(
        [
            Ref("user", str(user.pk)),
            Ref("team", str(team.pk)),
            Ref("tag", "x:y"),
            Ref("user", "not-an-int"),
            Ref("ghost", "1"),
        ]
    )
    assert loaded == {
        Ref("user", str(user.pk)): user,
        Ref("team", str(team.pk)): team,
        Ref("tag", "x:y"): tag,
    }


def test_unsaved_instance_ref():
    with pytest.raises(InvalidInstanceException, match="not saved"):
        sequere.registry.get_ref(User(username="x"))


@pytest.mark.django_db
def test_load_drops_ids_out_of_the_integer_range():
    user = User.objects.create(username="big")
    huge = str(2**70)
    loaded = sequere.registry.load([Ref("user", huge), Ref("user", str(user.pk)), Ref("user", "-" + huge)])
    assert loaded == {Ref("user", str(user.pk)): user}

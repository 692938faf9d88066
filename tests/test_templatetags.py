"""``sequere_tags``: the README's filters and the accessible follow button."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import RequestFactory, override_settings

from sequere.models import follow
from sequere.registration import registry
from tests.testapp.models import Project, User

pytestmark = pytest.mark.django_db


def render(source, **context):
    return Template("{% load sequere_tags %}" + source).render(Context(context))


@pytest.fixture
def member():
    return get_user_model().objects.create_user(username="member", password="secret")


@pytest.fixture
def project():
    return Project.objects.create(name="La classe americaine")


def request_for(user, path="/projects/1/?tab=about"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def test_filters(project):
    thoas = User.objects.create(username="thoas")
    follow(thoas, project)
    source = (
        "{{ project|identifier }} {{ project|followers_count }} {{ project|followers_count:'user' }} "
        "{{ project|followers_count:'tag' }} {{ thoas|followings_count }} "
        "{% if thoas|is_following:project %}yes{% endif %}"
    )
    assert render(source, project=project, thoas=thoas) == "project 1 1 0 1 yes"


def test_is_following_is_false_for_anonymous(project):
    assert render("{{ user|is_following:project }}", user=AnonymousUser(), project=project) == "False"


def test_button_for_a_user_who_does_not_follow(member, project, django_assert_num_queries):
    with django_assert_num_queries(1):  # is_following
        html = render("{% sequere_follow_button project %}", request=request_for(member), project=project)
    assert 'action="/sequere/follow/"' in html
    assert 'method="post"' in html
    assert '<input type="hidden" name="identifier" value="project">' in html
    assert f'<input type="hidden" name="object_id" value="{project.pk}">' in html
    assert '<input type="hidden" name="next" value="/projects/1/?tab=about">' in html
    button = '<button type="submit" class="sequere-follow__button" aria-label="Follow La classe americaine">'
    assert button in html
    assert ">Follow</button>" in html
    assert 'data-following="false"' in html


def test_button_for_a_follower_unfollows(member, project):
    follow(member, project)
    html = render("{% sequere_follow_button project %}", request=request_for(member), project=project)
    assert 'action="/sequere/unfollow/"' in html
    assert 'aria-label="Unfollow La classe americaine"' in html
    assert ">Unfollow</button>" in html
    assert 'data-following="true"' in html


def test_button_carries_the_csrf_token(member, project):
    html = render(
        "{% sequere_follow_button project %}",
        request=request_for(member),
        project=project,
        csrf_token="tok3n",
    )
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="tok3n">' in html


def test_button_escapes_the_object_name(member):
    project = Project.objects.create(name='<script>"x"</script>')
    html = render("{% sequere_follow_button project %}", request=request_for(member), project=project)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_button_next_and_count(member, project):
    follow(User.objects.create(username="thoas"), project)
    html = render(
        '{% sequere_follow_button project next="/elsewhere/" show_count=True %}',
        request=request_for(member),
        project=project,
    )
    assert '<input type="hidden" name="next" value="/elsewhere/">' in html
    assert "1 follower<" in html


def test_button_for_anonymous_is_a_login_link(project):
    request = request_for(AnonymousUser())
    html = render("{% sequere_follow_button project %}", request=request, project=project)
    assert "<form" not in html
    assert 'href="/accounts/login/?next=%2Fprojects%2F1%2F%3Ftab%3Dabout"' in html
    assert "Log in to follow" in html


def test_no_button_on_your_own_object(member):
    assert render("{% sequere_follow_button me %}", request=request_for(member), me=member).strip() == ""


def test_no_button_when_the_hook_says_no(member, project, monkeypatch):
    monkeypatch.setattr(type(registry.get(Project)), "can_follow", lambda self, user, instance: False)
    html = render("{% sequere_follow_button project %}", request=request_for(member), project=project)
    assert html.strip() == ""


@override_settings(ROOT_URLCONF="tests.contrib.user.urls_without_sequere")
def test_missing_urls_are_a_clear_error(member, project):
    with pytest.raises(ImproperlyConfigured, match="sequere.contrib.user.urls"):
        render("{% sequere_follow_button project %}", request=request_for(member), project=project)


def test_button_round_trip_through_the_view(client, member, project):
    """The rendered form, posted as a browser would, follows and comes back to the page."""
    client.force_login(member)
    html = render("{% sequere_follow_button project %}", request=request_for(member), project=project)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    action = re.search(r'action="([^"]+)"', html).group(1)
    response = client.post(action, fields)
    assert response.status_code == 302
    assert response["Location"] == "/projects/1/?tab=about"
    html = render("{% sequere_follow_button project %}", request=request_for(member), project=project)
    assert ">Unfollow</button>" in html


def test_button_count_respects_can_view_followers(member, project, monkeypatch):
    monkeypatch.setattr(type(registry.get(Project)), "can_view_followers", lambda self, user, instance: False)
    html = render(
        "{% sequere_follow_button project show_count=True %}", request=request_for(member), project=project
    )
    assert "<form" in html
    assert "follower" not in html

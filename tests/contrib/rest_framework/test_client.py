"""The REST API as a client uses it: follows, lists, timelines, unread, schema, serializers, throttles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sequere.contrib.timeline import Timeline
from sequere.models import follow, get_followers_count, is_following
from tests.contrib.rest_framework.conftest import url
from tests.testapp.models import Project, User
from tests.testapp.sequere_registry import JoinAction, LikeAction

pytestmark = pytest.mark.django_db


def ident(user) -> str:
    from sequere.registration import registry

    return registry.get_identifier(user)


def walk(client, first_url):
    """Every item from ``first_url`` on, following the ``next`` links: (pages, items)."""
    pages = [client.get(first_url).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    return pages, [item for page in pages for item in page["results"]]


def test_follow_unfollow_and_is_following(follow_backend, api, member, project):
    target = url("objects", "project", project.pk, "follow")
    assert api.get(target).json() == {"following": False}
    answer = api.post(target)
    assert answer.status_code == 201 and answer.json() == {"following": True, "followers_count": 1}
    assert is_following(member, project)
    again = api.post(target)
    assert again.status_code == 200 and again.json() == {"following": True, "followers_count": 1}
    assert api.get(target).json() == {"following": True}
    assert get_followers_count(project) == 1
    gone = api.delete(target)
    assert gone.status_code == 200 and gone.json() == {"following": False, "followers_count": 0}
    assert api.delete(target).status_code == 200
    assert not is_following(member, project)


def test_follower_pages_with_cursors(follow_backend, api, member, project):
    people = User.objects.bulk_create([User(username=f"u{i}") for i in range(7)])
    for person in people:
        follow(person, project)
    follow(member, project)
    pages, items = walk(api, url("objects", "project", project.pk, "followers") + "?size=3")
    assert len(pages) == 3 and pages[0]["previous"] is None and pages[-1]["next"] is None
    assert [i["object"]["display"] for i in items] == ["member"] + [f"u{i}" for i in range(6, -1, -1)]
    first = items[1]
    assert first["object"] == {"identifier": "user", "id": str(people[-1].pk), "display": "u6"}
    assert first["since"].endswith("Z") or "+" in first["since"]
    # back from the last page
    back = api.get(pages[-1]["previous"]).json()
    assert back["results"] == pages[1]["results"]
    # filters and order
    users_only = api.get(url("objects", "project", project.pk, "followers") + "?identifier=user&desc=0")
    assert [i["object"]["display"] for i in users_only.json()["results"]] == [f"u{i}" for i in range(7)]
    followings = api.get(url("objects", ident(member), member.pk, "followings")).json()
    assert [i["object"]["id"] for i in followings["results"]] == [str(project.pk)]


def test_friends(follow_backend, api, member):
    thoas = User.objects.create(username="thoas")
    follow(member, thoas)
    follow(thoas, member)
    body = api.get(url("objects", "user", thoas.pk, "friends")).json()
    assert [i["object"]["display"] for i in body["results"]] == ["member"]
    assert body["next_cursor"] is None and body["previous_cursor"] is None


def test_timelines_unread_and_mark_read(timeline, api, member, project):
    thoas = User.objects.create(username="thoas")
    follow(member, thoas)
    tl = Timeline(thoas)
    saved = [tl.save(LikeAction(actor=thoas, target=project if i % 2 else None, note=i)) for i in range(5)]
    saved.append(tl.save(JoinAction(actor=thoas)))
    # the logged-in user's private timeline, newest first, paged
    pages, items = walk(api, url("timeline") + "?size=4")
    assert [i["id"] for i in items] == [a.id for a in reversed(saved)]
    assert len(pages) == 2
    join = items[0]
    assert join["verb"] == "join" and join["target"] is None and join["actor"]["display"] == "thoas"
    assert items[1]["data"] == {"note": 4}
    # filters
    likes = api.get(url("timeline") + "?action=like&target=project&desc=0").json()["results"]
    assert [i["id"] for i in likes] == [saved[1].id, saved[3].id]
    assert likes[0]["target"] == {"identifier": "project", "id": str(project.pk), "display": project.name}
    public = api.get(url("objects", "user", thoas.pk, "timeline") + "?action=join").json()["results"]
    assert [i["id"] for i in public] == [saved[-1].id]
    # unread, then read
    assert api.get(url("timeline", "unread")).json() == {"unread_count": 6, "read_at": None}
    read = api.post(url("timeline", "read"), {}, format="json").json()
    assert read["unread_count"] == 0 and read["read_at"]
    tl.save(LikeAction(actor=thoas))
    assert api.get(url("timeline", "unread")).json()["unread_count"] == 1
    early = timezone.now().replace(year=2000).isoformat()
    assert api.post(url("timeline", "read"), {"at": early}, format="json").json()["unread_count"] == 7
    bad = api.post(url("timeline", "read"), {"at": "yesterday"}, format="json")
    assert bad.status_code == 400 and "at" in bad.json()


def test_timeline_page_adds_at_most_two_queries(timeline, api, member, project):
    thoas = User.objects.create(username="thoas")
    follow(member, thoas)
    tl = Timeline(thoas)
    for i in range(30):
        tl.save(LikeAction(actor=thoas, target=project if i % 2 else None))
    lazy = Timeline(member).get_private(desc=True)
    lazy.page(size=20)  # connections open, scripts known
    with CaptureQueriesContext(connection) as library:
        page = Timeline(member).get_private(desc=True).page(size=20)
    assert len(page.items) == 20
    first = api.get(url("timeline") + "?size=20")
    with CaptureQueriesContext(connection) as rest:
        answer = api.get(url("timeline") + "?size=20&after=" + first.json()["next_cursor"])
    assert answer.status_code == 200 and len(answer.json()["results"]) == 10
    # the session and the user, nothing per item
    assert len(rest) - len(library) <= 2
    assert len(rest) == len(library) + 2


def test_projects_replace_the_serializer(follow_backend, api, settings, member, project):
    from rest_framework import serializers

    from sequere.contrib.rest_framework import serializers as sequere_serializers

    class ProjectSerializer(serializers.ModelSerializer):
        class Meta:
            model = Project
            fields = ["name"]

    follow(member, project)
    sequere_serializers.register_serializer(Project, ProjectSerializer)
    try:
        [item] = api.get(url("objects", ident(member), member.pk, "followings")).json()["results"]
        assert item["object"] == {"name": project.name, "identifier": "project", "id": str(project.pk)}
        settings.SEQUERE_REST_SERIALIZERS = {"project": "tests.contrib.rest_framework.helpers.Short"}
        [item] = api.get(url("objects", ident(member), member.pk, "followings")).json()["results"]
        assert item["object"] == {"short": project.name[:3], "identifier": "project", "id": str(project.pk)}
        settings.SEQUERE_REST_SERIALIZERS = {"testapp.Project": "nowhere.Serializer"}
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured, match="SEQUERE_REST_SERIALIZERS"):
            api.get(url("objects", ident(member), member.pk, "followings"))
    finally:
        sequere_serializers._registered.pop(Project, None)


def test_openapi_schema(anonymous):
    answer = anonymous.get(url("schema"))
    assert answer.status_code == 200
    schema = answer.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    followers = paths["/api/sequere/objects/{identifier}/{object_id}/followers/"]["get"]
    assert followers["operationId"] == "listFollowers"
    assert {p["name"] for p in followers["parameters"]} >= {
        "identifier",
        "object_id",
        "after",
        "before",
        "size",
    }
    page = followers["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(page["properties"]) == {"next", "previous", "next_cursor", "previous_cursor", "results"}
    assert set(paths) >= {
        "/api/sequere/timeline/",
        "/api/sequere/timeline/unread/",
        "/api/sequere/timeline/read/",
        "/api/sequere/objects/{identifier}/{object_id}/follow/",
        "/api/sequere/objects/{identifier}/{object_id}/timeline/",
    }
    follow_path = paths["/api/sequere/objects/{identifier}/{object_id}/follow/"]
    assert set(follow_path) == {"get", "post", "delete"}
    ids = [op["operationId"] for p in paths.values() for op in p.values()]
    assert len(ids) == len(set(ids))


def test_throttle_classes_are_configurable(follow_backend, settings, anonymous, project):
    settings.SEQUERE_REST_THROTTLE_CLASSES = ["tests.contrib.rest_framework.helpers.TwoPerMinute"]
    target = url("objects", "project", project.pk, "followers")
    codes = [anonymous.get(target).status_code for _ in range(3)]
    assert codes == [200, 200, 429]

"""The REST endpoints of follow requests: request through follow/, list, approve, deny, cancel,
and who may answer (only the account)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from sequere.models import follow, get_follow_requests_count, has_requested, is_following
from sequere.registration import registry
from tests.contrib.rest_framework.conftest import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(db, monkeypatch):
    """A user of ``AUTH_USER_MODEL`` whose follows wait for approval."""
    account = get_user_model().objects.create_user(username="private", password="secret")
    options = registry.get(account)
    monkeypatch.setattr(options, "requires_approval", lambda instance: instance.username == "private")
    return account


def ident(obj) -> str:
    return registry.get_identifier(obj)


def test_request_approve_and_list(follow_backend, api, client_of, member, private):
    target = url("objects", ident(private), private.pk, "follow")
    answer = api.post(target)
    state = {"following": False, "requested": True, "followers_count": 0}
    assert answer.status_code == 202 and answer.json() == state
    again = api.post(target)
    assert again.status_code == 200 and again.json() == state
    assert api.get(target).json() == {"following": False, "requested": True}
    assert api.get(url("objects", ident(private), private.pk, "request")).json()["requested"] is True
    [sent] = api.get(url("requests", "sent")).json()["results"]
    assert sent["object"]["id"] == str(private.pk)

    owner = client_of(private)
    page = owner.get(url("requests")).json()
    [item] = page["results"]
    assert item["object"]["id"] == str(member.pk) and item["since"]
    approved = owner.post(url("requests", ident(member), member.pk, "approve"))
    assert approved.status_code == 200 and approved.json() == {"following": True, "requested": False}
    assert api.get(target).json() == {"following": True, "requested": False}
    assert is_following(member, private)
    assert owner.get(url("requests")).json()["results"] == []
    # answering again: not pending
    assert owner.post(url("requests", ident(member), member.pk, "approve")).status_code == 404


def test_deny_and_cancel(follow_backend, api, client_of, member, private):
    follow(member, private)
    owner = client_of(private)
    denied = owner.post(url("requests", ident(member), member.pk, "deny"))
    assert denied.status_code == 200 and not has_requested(member, private)
    assert owner.post(url("requests", ident(member), member.pk, "deny")).status_code == 404
    follow(member, private)
    own = url("objects", ident(private), private.pk, "request")
    assert api.delete(own).status_code == 200 and not has_requested(member, private)
    assert api.delete(own).status_code == 404
    # DELETE follow/ withdraws a pending request too
    follow(member, private)
    assert api.delete(url("objects", ident(private), private.pk, "follow")).json()["requested"] is False
    assert not has_requested(member, private)


def test_only_the_account_answers(follow_backend, api, client_of, member, stranger, private, anonymous):
    follow(member, private)
    # the stranger has no request from member: it cannot approve the private account's one
    meddler = client_of(stranger)
    refused = meddler.post(url("requests", ident(member), member.pk, "approve"))
    assert refused.status_code == 404
    assert f"<User: {stranger}>" in refused.json()["detail"] and "Lazy" not in refused.json()["detail"]
    assert meddler.get(url("requests")).json()["results"] == []
    # the requester cannot approve its own request either
    assert api.post(url("requests", ident(member), member.pk, "approve")).status_code == 400  # itself
    assert get_follow_requests_count(private) == 1 and not is_following(member, private)
    for method, path in [
        ("get", url("requests")),
        ("post", url("requests", ident(member), member.pk, "deny")),
    ]:
        assert getattr(anonymous, method)(path).status_code == 403
    assert get_follow_requests_count(private) == 1
    assert meddler.post(url("requests", "nope", "1", "approve")).status_code == 404
    assert meddler.get(url("requests") + "?identifier=nope").status_code == 400


def test_schema_lists_the_request_endpoints(anonymous):
    paths = anonymous.get(url("schema")).json()["paths"]
    assert any(path.endswith("/requests/") for path in paths)
    assert any(path.endswith("/approve/") for path in paths)


def test_an_approval_refused_by_can_follow_or_a_block_is_403(
    follow_backend, client_of, member, private, monkeypatch
):
    """Not a 500: the answer is refused, the request stays pending."""
    from django.utils import timezone

    from sequere.backends import get_backend

    follow(member, private)
    owner = client_of(private)
    approve = url("requests", ident(member), member.pk, "approve")
    options = registry.get(private)
    monkeypatch.setattr(type(options), "can_follow", lambda self, user, instance: False)
    assert owner.post(approve).status_code == 403
    monkeypatch.setattr(type(options), "can_follow", lambda self, user, instance: True)
    # a block stored without the API's clean-up of pending requests (a race with block())
    get_backend().block(registry.get_ref(private), registry.get_ref(member), timezone.now())
    assert owner.post(approve).status_code == 403
    assert has_requested(member, private) and not is_following(member, private)

"""``SequereMixin``: the follow API as model methods."""

from __future__ import annotations

from typing import Any

from . import api, follow_requests, relations
from .follow_results import FollowResult
from .results import FollowList


class SequereMixin:
    """Add to a registered model: ``user.follow(project)``, ``project.get_followers()``..."""

    def follow(self, instance: Any) -> FollowResult | None:
        """Follow ``instance`` (None), or ask to (``REQUESTED``); see :func:`sequere.models.follow`."""
        return api.follow(self, instance)

    def unfollow(self, instance: Any) -> None:
        """Stop following ``instance`` (see :func:`sequere.models.unfollow`)."""
        api.unfollow(self, instance)

    def is_following(self, instance: Any) -> bool:
        """Whether this object follows ``instance``."""
        return api.is_following(self, instance)

    def get_followers(self, identifier: Any = None, desc: bool = True) -> FollowList:
        """Lazy list of ``(follower, followed_at)``."""
        return api.get_followers(self, identifier=identifier, desc=desc)

    def get_followings(self, identifier: Any = None, desc: bool = True) -> FollowList:
        """Lazy list of ``(followed, followed_at)``."""
        return api.get_followings(self, identifier=identifier, desc=desc)

    def get_friends(self, identifier: Any = None, desc: bool = True) -> FollowList:
        """Lazy list of ``(friend, since)``."""
        return api.get_friends(self, identifier=identifier, desc=desc)

    def get_followers_count(self, identifier: Any = None) -> int:
        """Number of followers."""
        return api.get_followers_count(self, identifier=identifier)

    def get_followings_count(self, identifier: Any = None) -> int:
        """Number of followed resources."""
        return api.get_followings_count(self, identifier=identifier)

    def get_friends_count(self, identifier: Any = None) -> int:
        """Number of mutual follows."""
        return api.get_friends_count(self, identifier=identifier)

    # -- follow requests (see sequere.follow_requests) -------------------------------------------
    def get_follow_requests(self, identifier: Any = None, desc: bool = True) -> FollowList:
        """Lazy list of ``(requester, requested_at)``: pending requests to follow this object."""
        return follow_requests.get_follow_requests(self, identifier=identifier, desc=desc)

    def get_follow_requests_count(self, identifier: Any = None) -> int:
        """Number of pending requests to follow this object."""
        return follow_requests.get_follow_requests_count(self, identifier=identifier)

    def get_sent_requests(self, identifier: Any = None, desc: bool = True) -> FollowList:
        """Lazy list of ``(account, requested_at)``: this object's pending requests."""
        return follow_requests.get_sent_requests(self, identifier=identifier, desc=desc)

    def get_sent_requests_count(self, identifier: Any = None) -> int:
        """Number of this object's requests to follow others that are pending."""
        return follow_requests.get_sent_requests_count(self, identifier=identifier)

    def has_requested(self, instance: Any) -> bool:
        """Whether this object's request to follow ``instance`` is pending."""
        return follow_requests.has_requested(self, instance)

    def approve(self, requester: Any) -> None:
        """Approve ``requester``'s request to follow this object (:func:`sequere.models.approve`)."""
        follow_requests.approve(self, requester)

    def deny(self, requester: Any) -> None:
        """Deny ``requester``'s request to follow this object (:func:`sequere.models.deny`)."""
        follow_requests.deny(self, requester)

    def cancel(self, instance: Any) -> None:
        """Withdraw this object's request to follow ``instance`` (:func:`sequere.models.cancel`)."""
        follow_requests.cancel(self, instance)

    def block(self, instance: Any) -> None:
        """Block ``instance`` (see :func:`sequere.models.block`)."""
        relations.block(self, instance)

    def unblock(self, instance: Any) -> None:
        """Lift the block on ``instance``."""
        relations.unblock(self, instance)

    def is_blocked(self, instance: Any) -> bool:
        """Whether this object blocks ``instance``."""
        return relations.is_blocked(self, instance)

    def get_blocked(self, identifier: Any = None, desc: bool = True) -> FollowList:
        """Lazy list of ``(blocked, blocked_at)``."""
        return relations.get_blocked(self, identifier=identifier, desc=desc)

    def get_blocked_count(self, identifier: Any = None) -> int:
        """Number of blocked objects."""
        return relations.get_blocked_count(self, identifier=identifier)

    def mute(self, instance: Any) -> None:
        """Mute ``instance`` (see :func:`sequere.models.mute`)."""
        relations.mute(self, instance)

    def unmute(self, instance: Any) -> None:
        """Stop muting ``instance``."""
        relations.unmute(self, instance)

    def is_muted(self, instance: Any) -> bool:
        """Whether this object mutes ``instance``."""
        return relations.is_muted(self, instance)

    def get_muted(self, identifier: Any = None, desc: bool = True) -> FollowList:
        """Lazy list of ``(muted, muted_at)``."""
        return relations.get_muted(self, identifier=identifier, desc=desc)

    def get_muted_count(self, identifier: Any = None) -> int:
        """Number of muted objects."""
        return relations.get_muted_count(self, identifier=identifier)

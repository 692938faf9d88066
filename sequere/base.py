"""Per-model options, in the spirit of ``django.contrib.admin.ModelAdmin``."""

from __future__ import annotations

from typing import Any, ClassVar


class ModelBase:
    """How sequere sees one registered model.

    Subclass it and pass the subclass to :func:`sequere.register` to change the defaults::

        class ProjectSequere(ModelBase):
            identifier = "projet"
            actions = (JoinAction, LikeAction)
    """

    #: Short name stored with every edge; defaults to the model name in lower case.
    identifier: ClassVar[str | None] = None
    #: Timeline :class:`~sequere.contrib.timeline.Action` classes this model can perform.
    actions: ClassVar[tuple[type, ...]] = ()

    def __init__(self, model: type) -> None:
        self.model = model
        if self.identifier is None:
            self.identifier = model._meta.model_name

    def can_follow(self, user: Any, instance: Any) -> bool:
        """Whether ``user`` may follow ``instance``.

        ``user`` is the would-be follower: the request's user in the views (which also ask it
        before an unfollow, and answer 403 when it says no), or the ``from_instance`` of
        :func:`sequere.models.follow`, which raises
        :class:`~sequere.exceptions.FollowNotAllowedException` when it says no. It is asked on
        the registration of ``instance``'s model. The default refuses anonymous users (whose
        ``is_authenticated`` is False) and lets any other follower, a user or any registered
        object, follow anything. Keep it free of side effects: the views and ``follow()`` may
        both ask it for one request.
        """
        return bool(getattr(user, "is_authenticated", True))

    def can_view_followers(self, user: Any, instance: Any) -> bool:
        """Whether ``user`` may see who follows ``instance``; default: everybody."""
        return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier!r} for {self.model._meta.label}>"


#: The seed README spells it this way in one example; both names work.
Modelbase = ModelBase

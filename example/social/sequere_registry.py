"""What sequere follows on the example site, and which timeline actions each model performs."""

from django.contrib.auth import get_user_model

from sequere import register
from sequere.base import ModelBase
from sequere.contrib.timeline import Action

from .models import Project, Status


class JoinAction(Action):
    """Someone signed up."""

    verb = "join"


class PostAction(Action):
    """Someone posted a status (the target)."""

    verb = "post"


class LikeAction(Action):
    """Someone liked a project (the target)."""

    verb = "like"


#: Private accounts of the demo: following them sends a follow request they approve or deny
#: (a real site would read a flag of the user's profile instead).
PRIVATE_ACCOUNTS = frozenset({"erin"})


class UserSequere(ModelBase):
    identifier = "user"
    actions = (JoinAction, PostAction, LikeAction)

    def requires_approval(self, instance) -> bool:
        return instance.username in PRIVATE_ACCOUNTS


class ProjectSequere(ModelBase):
    identifier = "project"


class StatusSequere(ModelBase):
    identifier = "status"


register(get_user_model(), UserSequere)
register(Project, ProjectSequere)
register(Status, StatusSequere)

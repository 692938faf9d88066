from sequere import register
from sequere.base import ModelBase
from sequere.contrib.timeline import Action

from .models import Project, Tag, Team, User


class JoinAction(Action):
    verb = "join"


class LikeAction(Action):
    verb = "like"


class CommentAction(Action):
    """Reaches the followers of the commented object too (``deliver_to``)."""

    verb = "comment"
    deliver_to = ("actor", "target")


class ProjectSequere(ModelBase):
    identifier = "project"


class UserSequere(ModelBase):
    identifier = "user"
    actions = (JoinAction, LikeAction, CommentAction)

    def requires_approval(self, instance):
        return instance.is_private


register(User, UserSequere)
register(Project, ProjectSequere)
register(Tag)
register(Team)

from sequere import register
from sequere.base import ModelBase

from .models import Project, Tag, Team, User


class ProjectSequere(ModelBase):
    identifier = "project"


class UserSequere(ModelBase):
    identifier = "user"


register(User, UserSequere)
register(Project, ProjectSequere)
register(Tag)
register(Team)

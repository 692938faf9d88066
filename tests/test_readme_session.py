"""The README's quick start, pasted into a brand-new Django project, behaves as its session shows."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

MODELS = """
from django.db import models

from sequere.mixin import SequereMixin


class User(SequereMixin, models.Model):
    username = models.CharField(max_length=150)

    def __str__(self):
        return self.username


class Project(SequereMixin, models.Model):
    name = models.CharField(max_length=150)

    def __str__(self):
        return self.name
"""

REGISTRY = """
from .models import Project, User

import sequere

sequere.register(User)
sequere.register(Project)
"""

SESSION = """
from sequere.models import (follow, unfollow, get_followings_count, is_following,
                            get_followers_count, get_followers, get_followings)
from myapp.models import User, Project
user = User.objects.create(username='thoas')
project = Project.objects.create(name='La classe americaine')
print(repr(follow(user, project)))
print(is_following(user, project))
print(get_followers_count(project))
print(get_followings_count(user))
print(get_followers(user))
print(get_followers(project))
print(get_followings(user))
print(user.is_following(project), project.get_followers_count(), user.get_followers())
"""


def run(args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_quickstart_in_a_fresh_project(tmp_path: Path):
    python = sys.executable
    run([python, "-m", "django", "startproject", "site_", "."], tmp_path)
    run([python, "manage.py", "startapp", "myapp"], tmp_path)
    (tmp_path / "myapp" / "models.py").write_text(MODELS)
    (tmp_path / "myapp" / "sequere_registry.py").write_text(REGISTRY)
    settings = tmp_path / "site_" / "settings.py"
    settings.write_text(
        settings.read_text().replace(
            "INSTALLED_APPS = [",
            "INSTALLED_APPS = [\n    'sequere',\n    'sequere.backends.database',\n    'myapp',",
        )
    )
    run([python, "manage.py", "makemigrations", "myapp"], tmp_path)
    run([python, "manage.py", "migrate", "--noinput"], tmp_path)
    output = run([python, "manage.py", "shell", "-c", textwrap.dedent(SESSION)], tmp_path)
    lines = [line for line in output.splitlines() if line and "imported automatically" not in line]
    assert lines[:5] == ["None", "True", "1", "1", "[]"]
    assert re.fullmatch(
        r"\[\(<User: thoas>, datetime\.datetime\(.*tzinfo=datetime\.timezone\.utc\)\)\]", lines[5]
    )
    assert re.fullmatch(r"\[\(<Project: La classe americaine>, datetime\.datetime\(.*\)\)\]", lines[6])
    assert lines[7] == "True 1 []"

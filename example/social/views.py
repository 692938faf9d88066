"""Pages of the example site: feed, people, projects, follower lists, statuses and likes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sequere.contrib.timeline import Timeline
from sequere.models import (
    block,
    get_followers,
    get_followers_count,
    get_followings,
    get_followings_count,
    is_blocked,
    unblock,
)

from . import activity
from .context_processors import unread
from .forms import StatusForm
from .models import Project

User = get_user_model()
FEED_PAGE_SIZE = 20
LIST_PAGE_SIZE = 20


def _page(request: HttpRequest, items, per_page: int):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's feed (their private timeline); a welcome page otherwise.

    Pages are ``?page=`` links (offsets) without JavaScript; with it, ``feed.js`` streams new
    actions from the live feed and loads older ones from the REST API's cursor pages.
    """
    if not request.user.is_authenticated:
        return render(
            request,
            "social/welcome.html",
            {"people": User.objects.order_by("username")[:12], "projects": Project.objects.all()[:12]},
        )
    timeline = Timeline(request.user)
    newest_first = timeline.get_private(desc=True)
    page = _page(request, newest_first, FEED_PAGE_SIZE)
    context = {"page": page, "form": StatusForm(), "read_at": timeline.read_at}
    if page.number == 1 and page.object_list:
        # the live feed resumes after the newest action shown; "Load more" reads the REST
        # timeline's cursor pages from the last one
        context["live_cursor"] = timeline.get_private().cursor_at(page[0])
        if page.has_next():
            after = urlencode({"after": newest_first.cursor_at(page[len(page) - 1]), "size": FEED_PAGE_SIZE})
            context["more_url"] = f"{reverse('sequere_rest:private-timeline')}?{after}"
    return render(request, "social/feed.html", context)


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the whole feed as read (the unread badge drops to zero)."""
    Timeline(request.user).mark_as_read()
    return redirect("home")


@never_cache
@require_GET
def unread_count(request: HttpRequest) -> JsonResponse:
    """``{"unread_count": n}``: what the badge shows, for scripts that change it without a reload.

    ``follow.js`` now asks the REST API's ``timeline/unread/`` instead; this view stays for scripts
    that run without the REST API. Anonymous visitors get 0, as the badge does.
    """
    return JsonResponse(unread(request))


@login_required
@require_POST
def post_status(request: HttpRequest) -> HttpResponse:
    """Post a status: stores it and saves a ``post`` action, fanned out to followers at once."""
    form = StatusForm(request.POST)
    if form.is_valid():
        activity.post_status(request.user, form.cleaned_data["text"])
        messages.success(request, "Posted.")
    else:
        messages.error(request, "A status needs between 1 and 280 characters.")
    return redirect(request.POST.get("next") or "home")


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, sign in, and announce it with a ``join`` action."""
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        activity.join(user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


def people(request: HttpRequest) -> HttpResponse:
    """Everybody, with follower counts."""
    page = _page(request, User.objects.order_by("username"), LIST_PAGE_SIZE)
    rows = [(person, get_followers_count(person)) for person in page]
    return render(request, "social/people.html", {"page": page, "rows": rows})


def profile(request: HttpRequest, username: str) -> HttpResponse:
    """A person: counts, follow button, their public timeline, their projects."""
    person = get_object_or_404(User, username=username)
    return render(
        request,
        "social/profile.html",
        {
            "person": person,
            "followers_count": get_followers_count(person),
            "followings_count": get_followings_count(person),
            "page": _page(request, Timeline(person).get_public(desc=True), FEED_PAGE_SIZE),
            "projects": person.projects.all(),
            "blocked": request.user.is_authenticated
            and request.user != person
            and is_blocked(request.user, person),
        },
    )


@login_required
@require_POST
def block_person(request: HttpRequest, username: str) -> HttpResponse:
    """Block a person (the follows both ways go) or, with ``undo``, unblock them."""
    person = get_object_or_404(User, username=username)
    if person == request.user:
        raise Http404("You cannot block yourself.")
    if request.POST.get("undo"):
        if is_blocked(request.user, person):
            unblock(request.user, person)
        messages.info(request, f"You unblocked {person.username}.")
    else:
        if not is_blocked(request.user, person):
            block(request.user, person)
        messages.info(request, f"You blocked {person.username}: neither of you follows or sees the other.")
    return redirect("profile", username=person.username)


_LISTS = {"followers": get_followers, "following": get_followings}


def person_list(request: HttpRequest, username: str, kind: str) -> HttpResponse:
    """A person's followers or followings (people and projects), newest first, paginated."""
    person = get_object_or_404(User, username=username)
    return _list(request, person, kind)


def project_followers(request: HttpRequest, slug: str) -> HttpResponse:
    """A project's followers, newest first, paginated."""
    return _list(request, get_object_or_404(Project, slug=slug), "followers")


def _list(request: HttpRequest, subject, kind: str) -> HttpResponse:
    if kind not in _LISTS:
        raise Http404(f"No list named {kind!r}.")
    page = _page(request, _LISTS[kind](subject), LIST_PAGE_SIZE)
    return render(request, "social/follow_list.html", {"subject": subject, "kind": kind, "page": page})


def projects(request: HttpRequest) -> HttpResponse:
    """Every project, with like counts."""
    listed = Project.objects.annotate(like_count=Count("likes")).order_by("name")
    page = _page(request, listed, LIST_PAGE_SIZE)
    rows = [(project, get_followers_count(project)) for project in page]
    return render(request, "social/projects.html", {"page": page, "rows": rows})


def project(request: HttpRequest, slug: str) -> HttpResponse:
    """A project: counts, follow and like buttons, latest actions about it."""
    item = get_object_or_404(Project.objects.select_related("owner"), slug=slug)
    liked = request.user.is_authenticated and item.likes.filter(user=request.user).exists()
    return render(
        request,
        "social/project.html",
        {
            "project": item,
            "followers_count": get_followers_count(item),
            "like_count": item.likes.count(),
            "liked": liked,
        },
    )


@login_required
@require_POST
def like(request: HttpRequest, slug: str) -> HttpResponse:
    """Like a project (saves a ``like`` action) or, with ``undo``, take the like back."""
    item = get_object_or_404(Project, slug=slug)
    if request.POST.get("undo"):
        activity.unlike_project(request.user, item)
    else:
        activity.like_project(request.user, item)
    return redirect(item)

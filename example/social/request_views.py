"""The follow requests page: a private account approves or denies who asked to follow it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sequere.exceptions import FollowRequestNotFoundException
from sequere.models import approve, deny, get_follow_requests, get_sent_requests

User = get_user_model()
PAGE_SIZE = 20
ANSWERS = {"approve": approve, "deny": deny}


@login_required
def follow_requests(request: HttpRequest) -> HttpResponse:
    """Who asked to follow the signed-in person (newest first), and whom they asked."""
    context = {
        "page": Paginator(get_follow_requests(request.user), PAGE_SIZE).get_page(request.GET.get("page")),
        "sent": get_sent_requests(request.user)[:PAGE_SIZE],
    }
    return render(request, "social/requests.html", context)


@login_required
@require_POST
def answer(request: HttpRequest, username: str, answer: str) -> HttpResponse:
    """Approve or deny ``username``'s request; only the account asked can (it is the signed-in one)."""
    if answer not in ANSWERS:
        raise Http404("Answer approve or deny.")
    requester = get_object_or_404(User, username=username)
    try:
        ANSWERS[answer](request.user, requester)
    except FollowRequestNotFoundException:
        messages.info(request, f"{username} has no pending request any more.")
    else:
        done = "now follows you" if answer == "approve" else "was denied"
        messages.success(request, f"{username} {done}.")
    return redirect("follow_requests")

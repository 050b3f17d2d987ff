"""Views of comments: writing and replying on a generation's page, and deleting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studio.accounts.access import membership_in, require_editor
from studio.accounts.http import AuthenticatedHttpRequest
from studio.accounts.models import Membership
from studio.comments import services as comments
from studio.comments.forms import CommentForm
from studio.comments.models import Comment
from studio.generations.models import Generation


def thread_context(generation: Generation, membership: Membership, **extra: Any) -> dict[str, Any]:
    """What templates/comments/_thread.html needs; the generation detail page uses it too."""
    return {
        "generation": generation,
        "membership": membership,
        "threads": list(Comment.objects.threads_of(generation.pk)),
        "comment_form": CommentForm(),
        **extra,
    }


def _thread_response(
    request: AuthenticatedHttpRequest, generation: Generation, membership: Membership, **extra: Any
) -> HttpResponse:
    if not request.htmx:
        if extra.get("error"):
            messages.error(request, extra["error"])
        return redirect(reverse("generation_detail", args=[generation.pk]) + "#comments")
    return render(request, "comments/_thread.html", thread_context(generation, membership, **extra))


@login_required
@require_POST
def comment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Posts a comment or a reply (members who can edit); htmx gets the whole thread back."""
    generation = get_object_or_404(Generation.objects.for_user(request.user).select_related("team"), pk=pk)
    membership = membership_in(request, generation.team)
    require_editor(membership)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _thread_response(request, generation, membership, error=_("Check the comment and try again."))
    parent_id = form.cleaned_data["parent"]
    parent = (
        get_object_or_404(Comment.objects.filter(generation=generation), pk=parent_id) if parent_id else None
    )
    try:
        comments.post_comment(
            generation=generation, author=request.user, body=form.cleaned_data["body"], parent=parent
        )
    except comments.CommentRuleError as exc:
        draft = form.cleaned_data["body"]
        return _thread_response(
            request, generation, membership, error=str(exc), draft=draft, draft_parent=parent_id
        )
    return _thread_response(request, generation, membership)


@login_required
@require_POST
def comment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Deletes a comment and its replies (its author, or the team's owners and admins)."""
    comment = get_object_or_404(
        Comment.objects.for_user(request.user).select_related("generation", "team"), pk=pk
    )
    membership = membership_in(request, comment.team)
    if not comments.can_delete_comment(comment, membership):
        raise PermissionDenied(_("Only its author and the team's owners and admins can delete a comment."))
    comments.delete_comment(comment=comment)
    return _thread_response(request, comment.generation, membership)

"""Views of reviews: setting or clearing a result's review state, and the team's choice of reviewers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from studio.accounts.access import membership_in, membership_or_404, remember_team, require_manager
from studio.accounts.http import AuthenticatedHttpRequest
from studio.generations.models import Generation
from studio.reviews import services as reviews
from studio.reviews.forms import ReviewerRolesForm, ReviewForm
from studio.reviews.models import Review


@login_required
@require_POST
def generation_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Sets or clears a result's review state (reviewers only); htmx gets the review box back."""
    generation = get_object_or_404(Generation.objects.for_user(request.user).select_related("team"), pk=pk)
    membership = membership_in(request, generation.team)
    roles = reviews.reviewer_roles(generation.team)
    if not reviews.can_review(membership, roles):
        raise PermissionDenied(_("Your role in this team may not review results."))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown review state."), status=400)
    review = reviews.set_review(generation=generation, user=request.user, state=form.cleaned_data["state"])
    if not request.htmx:
        return redirect(reverse("generation_detail", args=[generation.pk]))
    if review is not None:
        review = Review.objects.select_related("set_by").get(pk=review.pk)
    context = {"generation": generation, "review": review, "can_review": True}
    return render(request, "reviews/_review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_review_settings(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """Owners and admins choose which roles may review the team's results."""
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    team = membership.team
    remember_team(request, team)
    form = ReviewerRolesForm(request.POST or None, initial={"roles": reviews.reviewer_roles(team)})
    if request.method == "POST" and form.is_valid():
        reviews.set_reviewer_roles(team=team, user=request.user, roles=form.cleaned_data["roles"])
        messages.success(request, _("Saved who may review results."))
        return redirect("team_review_settings", team_id=team.pk)
    return render(request, "reviews/team_review_settings.html", {"team": team, "form": form})

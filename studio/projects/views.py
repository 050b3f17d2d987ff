"""Views for a team's projects: the list, a project's page, and changing, archiving or deleting one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from studio.accounts.access import (
    current_membership,
    membership_in,
    membership_or_404,
    remember_team,
    require_editor,
)
from studio.accounts.http import AuthenticatedHttpRequest
from studio.accounts.models import Membership
from studio.projects import services
from studio.projects.forms import ProjectForm
from studio.projects.models import Project


def _project_or_404(request: AuthenticatedHttpRequest, pk: int) -> tuple[Project, Membership]:
    project = get_object_or_404(Project.objects.for_user(request.user).select_related("team"), pk=pk)
    membership = membership_in(request, project.team)
    remember_team(request, project.team)
    return project, membership


@login_required
@require_http_methods(["GET"])
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = current_membership(request)
    if membership is None:
        return redirect("team_list")
    return redirect("project_list", team_id=membership.team_id)


@login_required
@require_http_methods(["GET"])
def project_list(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    show_archived = request.GET.get("archived") == "1"
    projects = Project.objects.for_team(membership.team).select_related("created_by")
    projects = projects.archived() if show_archived else projects.active()
    context = {
        "team": membership.team,
        "membership": membership,
        "projects": projects,
        "show_archived": show_archived,
        "form": ProjectForm(),
    }
    template = "projects/project_list.html"
    if request.htmx:
        template += "#project-list"
    return render(request, template, context)


@login_required
@require_POST
def project_create(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    require_editor(membership)
    form = ProjectForm(request.POST)
    if not form.is_valid():
        context = {
            "team": membership.team,
            "membership": membership,
            "projects": Project.objects.for_team(membership.team).active(),
            "show_archived": False,
            "form": form,
        }
        return render(request, "projects/project_list.html", context, status=400)
    project = services.create_project(
        team=membership.team,
        name=form.cleaned_data["name"],
        description=form.cleaned_data["description"],
        created_by=request.user,
    )
    messages.success(request, _("Project “%(name)s” was created.") % {"name": project.name})
    return redirect(project)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project, membership = _project_or_404(request, pk)
    require_editor(membership)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        services.update_project(
            project=project,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, _("The project was saved."))
        return redirect(project)
    return render(
        request,
        "projects/project_edit.html",
        {"project": project, "team": project.team, "membership": membership, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def project_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project, membership = _project_or_404(request, pk)
    require_editor(membership)
    services.archive_project(project=project)
    messages.success(request, _("“%(name)s” was archived.") % {"name": project.name})
    return redirect("project_list", team_id=project.team_id)


@login_required
@require_POST
def project_unarchive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project, membership = _project_or_404(request, pk)
    require_editor(membership)
    services.unarchive_project(project=project)
    messages.success(request, _("“%(name)s” is back in the project list.") % {"name": project.name})
    return redirect(project)


@login_required
@require_http_methods(["GET", "POST"])
def project_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project, membership = _project_or_404(request, pk)
    require_editor(membership)
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() != project.name:
            messages.error(request, _("Type the project's name exactly to delete it."))
            return render(
                request,
                "projects/project_delete.html",
                {"project": project, "team": project.team, "membership": membership},
                status=400,
            )
        services.delete_project(project=project)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": project.name})
        return redirect("project_list", team_id=project.team_id)
    return render(
        request,
        "projects/project_delete.html",
        {"project": project, "team": project.team, "membership": membership},
    )

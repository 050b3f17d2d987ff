"""Comments on generations: plain text, one level of replies, @mentions of team members."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Team

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

MAX_COMMENT_LENGTH = 2000


class CommentQuerySet(models.QuerySet["Comment"]):
    def for_user(self, user: Any) -> CommentQuerySet:
        """Comments of the teams the user belongs to; every lookup in a view goes through this."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)

    def threads_of(self, generation_id: int) -> CommentQuerySet:
        """The generation's top-level comments, oldest first, with authors and replies: three queries."""
        return (
            self.filter(generation_id=generation_id, parent__isnull=True)
            .select_related("author")
            .prefetch_related(
                models.Prefetch(
                    "replies", queryset=Comment.objects.select_related("author").order_by("created_at", "id")
                )
            )
        )


class Comment(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    generation = models.ForeignKey(
        "generations.Generation", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Replies hang off a top-level comment only; a reply to a reply joins the same thread.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(_("comment"), max_length=MAX_COMMENT_LENGTH)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    objects = CommentQuerySet.as_manager()

    if TYPE_CHECKING:
        replies: RelatedManager[Comment]

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=("generation", "created_at"))]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"Comment {self.pk} on #{self.generation_id}"

    def get_absolute_url(self) -> str:
        return reverse("generation_detail", args=[self.generation_id]) + f"#comment-{self.pk}"

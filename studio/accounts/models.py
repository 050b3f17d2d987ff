"""Users, teams, memberships with roles, invitations and each team's gateway settings."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from studio.accounts.fields import EncryptedTextField

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]
INVITATION_LIFETIME = timedelta(days=7)


class UserManager(DjangoUserManager["User"]):
    """Users are identified by e-mail alone; there is no username."""

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self.model(email=self.normalize_email(email), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("Shown to your teammates and on links you share. Defaults to your e-mail's name."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default="UTC",
        help_text=_("Dates and times are shown in this zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The studio's language. Left empty, your browser's language is used."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    if TYPE_CHECKING:
        memberships: RelatedManager[Membership]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    @property
    def name(self) -> str:
        return self.name_from(self.display_name, self.email)

    @staticmethod
    def name_from(display_name: str | None, email: str | None) -> str:
        """A person's name from the two fields (read as values, without the row); "" for nobody."""
        return display_name or (email or "").split("@", 1)[0]

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")


MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})
EDITOR_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER})


class TeamQuerySet(models.QuerySet["Team"]):
    def for_user(self, user: Any) -> TeamQuerySet:
        """Teams the user belongs to; every team lookup in a view goes through this."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Team(models.Model):
    name = models.CharField(_("name"), max_length=80)
    is_personal = models.BooleanField(_("personal team"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The team's AITRE gateway. An empty base URL means the built-in sandbox gateway.
    gateway_base_url = models.URLField(
        _("gateway base URL"),
        blank=True,
        help_text=_(
            "The address of your AITRE gateway, e.g. https://api.example.com. "
            "Leave empty to use the built-in sandbox."
        ),
    )
    gateway_api_key = EncryptedTextField(_("gateway API key"), blank=True)
    gateway_key_last4 = models.CharField(max_length=4, blank=True, editable=False)
    # How many jobs of each family the studio keeps at the gateway at once (the rest wait their turn in the
    # studio), and how long a job may wait for a free slot before it fails. Midjourney's Basic and Standard
    # plans run 3 fast jobs at once (Pro and Mega 12); video providers commonly allow a handful.
    midjourney_slots = models.PositiveSmallIntegerField(
        _("Midjourney jobs at once"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("3 fits Midjourney's Basic and Standard plans; 12 fits Pro and Mega."),
    )
    video_slots = models.PositiveSmallIntegerField(
        _("Veo3 and other video jobs at once"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    sora_slots = models.PositiveSmallIntegerField(
        _("Sora2 jobs at once"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    slot_wait_hours = models.PositiveSmallIntegerField(
        _("hours a job may wait for a free slot"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(48)],
        help_text=_("After this, a job the gateway kept refusing for lack of capacity fails."),
    )

    objects = TeamQuerySet.as_manager()

    if TYPE_CHECKING:
        memberships: RelatedManager[Membership]
        invitations: RelatedManager[Invitation]

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    @property
    def uses_sandbox(self) -> bool:
        return not self.gateway_base_url

    @property
    def effective_gateway_url(self) -> str:
        return (self.gateway_base_url or settings.SANDBOX_BASE_URL).rstrip("/")

    @property
    def effective_api_key(self) -> str:
        # The sandbox accepts any key; a fixed one keeps its request logs readable.
        return self.gateway_api_key or ("sk-sandbox" if self.uses_sandbox else "")

    def set_gateway_api_key(self, api_key: str) -> None:
        self.gateway_api_key = api_key
        self.gateway_key_last4 = api_key[-4:] if api_key else ""


class MembershipQuerySet(models.QuerySet["Membership"]):
    def owners(self) -> MembershipQuerySet:
        return self.filter(role=Role.OWNER)


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ("team", "created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=("team", "user"), name="unique_membership"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def can_manage_team(self) -> bool:
        """Owners and admins manage members, invitations and the gateway settings."""
        return self.role in MANAGER_ROLES

    @property
    def can_edit(self) -> bool:
        """Everyone but viewers can create and change projects and generate."""
        return self.role in EDITOR_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True,
            declined_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )


class Invitation(models.Model):
    """An invitation to join a team, redeemed through a link whose token is stored only as a hash."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"), blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"Invitation to {self.team} ({self.email or 'link'})"

    @staticmethod
    def new_token() -> str:
        """256 bits from the OS's CSPRNG; only its hash is stored."""
        return secrets.token_urlsafe(32)

    @cached_property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.declined_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class AuditEvent(models.Model):
    """Who did what in a team, and when: work on generations, share links, invitations, members, roles and
    the team's gateway settings (never the API key itself)."""

    class Action(models.TextChoices):
        GENERATED = "generated", _("Generated")
        SHARED = "shared", _("Shared")
        REVOKED = "revoked", _("Revoked a link")
        DOWNLOADED = "downloaded", _("Downloaded a ZIP")
        MOVED = "moved", _("Moved")
        COPIED = "copied", _("Copied")
        DELETED = "deleted", _("Moved to trash")
        RESTORED = "restored", _("Restored")
        PURGED = "purged", _("Deleted for good")
        TAGGED = "tagged", _("Tagged")
        INVITED = "invited", _("Sent an invitation")
        INVITATION_ACCEPTED = "invite_accepted", _("Accepted an invitation")
        INVITATION_DECLINED = "invite_declined", _("Declined an invitation")
        INVITATION_REVOKED = "invite_revoked", _("Revoked an invitation")
        MEMBER_JOINED = "member_joined", _("Member joined")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        ROLE_CHANGED = "role_changed", _("Changed a role")
        GATEWAY_CHANGED = "gateway_changed", _("Changed the gateway address")
        API_KEY_CHANGED = "api_key_changed", _("Changed the gateway API key")
        REVIEWED = "reviewed", _("Reviewed a result")
        REVIEW_CLEARED = "review_cleared", _("Cleared a review")
        REVIEWER_ROLES_CHANGED = "review_roles", _("Changed who may review")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    summary = models.CharField(_("what"), max_length=300)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        db_table = (
            "projects_auditevent"  # The table predates the app; keeping its name kept the data in place.
        )
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=("team", "-at", "-id")),
            models.Index(fields=("team", "action", "-at")),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"

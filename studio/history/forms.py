"""Forms of the history: gallery filters, bulk actions and tags."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.costs.models import MICROS
from studio.generations.kinds import Kind
from studio.generations.models import Status
from studio.history.services import NOT_REVIEWED, GalleryFilters, Sort
from studio.reviews.models import ReviewState


class GalleryFilterForm(forms.Form):
    """The gallery's filters; they live in the URL so a view can be bookmarked and sent to a teammate."""

    q = forms.CharField(label=_("Search prompts and answers"), required=False, max_length=200)
    kind = forms.MultipleChoiceField(
        label=_("Kind"), required=False, choices=Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    review = forms.MultipleChoiceField(
        label=_("Review"),
        required=False,
        choices=[*ReviewState.choices, (NOT_REVIEWED, _("Not reviewed"))],
        widget=forms.CheckboxSelectMultiple,
    )
    model = forms.CharField(label=_("Model"), required=False, max_length=120)
    author = forms.TypedChoiceField(label=_("Made by"), required=False, coerce=int, empty_value=None)
    project = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int, empty_value=None)
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    favourites = forms.BooleanField(label=_("My favourites only"), required=False)
    group = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    cost_min = forms.DecimalField(label=_("Cost from"), required=False, min_value=0, decimal_places=6)
    cost_max = forms.DecimalField(label=_("Cost up to"), required=False, min_value=0, decimal_places=6)
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=Sort.choices)

    def __init__(
        self,
        *args: Any,
        authors: list[tuple[int, str]],
        tags: list[tuple[int, str]],
        projects: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        everyone = [("", _("Anyone"))]
        self.fields["author"].choices = everyone + authors  # type: ignore[attr-defined]
        self.fields["tag"].choices = [("", _("Any tag")), *tags]  # type: ignore[attr-defined]
        if projects is None:
            del self.fields["project"]
        else:
            self.fields["project"].choices = [("", _("All projects")), *projects]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        low, high = cleaned.get("cost_min"), cleaned.get("cost_max")
        if low is not None and high is not None and low > high:
            self.add_error("cost_max", _("The highest cost is below the lowest."))
        return cleaned

    def filters(self) -> GalleryFilters:
        """The filters that are valid; one bad value (a member who left, say) does not drop the others."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return GalleryFilters(
            kinds=data.get("kind") or (),
            statuses=data.get("status") or (),
            reviews=data.get("review") or (),
            model=(data.get("model") or "").strip(),
            author_id=data.get("author"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            favourites=bool(data.get("favourites")),
            tag_id=data.get("tag"),
            project_id=data.get("project"),
            search=(data.get("q") or "").strip(),
            group_id=data.get("group"),
            cost_min=_micros(data.get("cost_min")),
            cost_max=_micros(data.get("cost_max")),
        )

    def chosen_sort(self) -> str:
        """The order asked for, newest first unless it is a valid other one."""
        self.is_valid()
        return str(getattr(self, "cleaned_data", {}).get("sort") or Sort.NEWEST)


def _micros(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * MICROS)


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("zip", _("Download as ZIP")),
        ("tag", _("Add a tag")),
        ("move", _("Move to project")),
        ("copy", _("Copy to project")),
        ("trash", _("Move to trash")),
        ("restore", _("Restore from trash")),
    ]
    action = forms.ChoiceField(label=_("With the selected"), choices=ACTIONS)
    ids = forms.MultipleChoiceField(
        required=True, error_messages={"required": _("Select at least one result.")}
    )
    target = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int, empty_value=None)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)

    def __init__(self, *args: Any, projects: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "—"), *projects]  # type: ignore[attr-defined]
        # Ids are checked against the team later; here they only need to be numbers.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(value, value) for value in raw if str(value).isdigit()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action in {"move", "copy"} and not cleaned.get("target"):
            self.add_error("target", _("Choose the project to move or copy to."))
        if action == "tag" and not (cleaned.get("tag") or "").strip():
            self.add_error("tag", _("Give the tag a name."))
        return cleaned


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag"), max_length=40)

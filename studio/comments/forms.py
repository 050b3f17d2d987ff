"""The comment form; the rules on its text (not empty, not too long) live in the service."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), required=False, strip=False, widget=forms.Textarea)
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

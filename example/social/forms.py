"""Forms of the example site."""

from django import forms

from .models import Status


class StatusForm(forms.ModelForm):
    """Post a short status."""

    class Meta:
        model = Status
        fields = ["text"]
        widgets = {
            "text": forms.TextInput(
                attrs={"placeholder": "What are you working on?", "aria-label": "New status"}
            )
        }
        labels = {"text": ""}

"""The customer's answer form, built from the questionnaire: one optional 1–5 score per item (with its importance
when the template asks), the overall satisfaction, and the loyalty questions the template asks."""

from dataclasses import dataclass

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import Repurchase, Response, Score, SurveyItem, SurveyTemplate
from .services import AnswerData

IMPORTANCE_CHOICES = [
    ("", "—"),
    (1, format_lazy("1 · {}", _("not important"))),
    *[(n, str(n)) for n in range(2, 10)],
    (10, format_lazy("10 · {}", _("very important"))),
]
RECOMMEND_CHOICES = [(n, str(n)) for n in range(0, 11)]
COMMENT_MAX_LENGTH = Response._meta.get_field("comment").max_length

# Bootstrap's toggle buttons: the radio stays a real, keyboard-usable input; its label is the big touch target.
BUTTON_RADIO = {"class": "btn-check", "autocomplete": "off"}


def _score_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=Score.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect(attrs=BUTTON_RADIO),
    )


@dataclass
class ItemRow:
    """What the page shows for one item: its number, text and bound fields."""

    number: int
    item: SurveyItem
    score: forms.BoundField
    importance: forms.BoundField | None


class AnswerForm(forms.Form):
    """Every question is optional; at least one score (an item's or the overall one) makes an answer."""

    def __init__(self, *args, template: SurveyTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.items = list(template.items.all())
        for item in self.items:
            self.fields[f"score_{item.pk}"] = _score_field()
            if template.ask_importance:
                self.fields[f"importance_{item.pk}"] = forms.TypedChoiceField(
                    label=_("How important is this to you? (1–10)"),
                    choices=IMPORTANCE_CHOICES,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=forms.Select(attrs={"class": "form-select"}),
                )
        self.fields["overall"] = _score_field()
        if template.ask_repurchase:
            self.fields["repurchase"] = forms.ChoiceField(
                choices=Repurchase.choices, required=False, widget=forms.RadioSelect(attrs=BUTTON_RADIO)
            )
        if template.ask_recommend:
            self.fields["recommend"] = forms.TypedChoiceField(
                choices=RECOMMEND_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs=BUTTON_RADIO),
            )
        if template.ask_comment:
            self.fields["comment"] = forms.CharField(
                label=_("Anything else you would like to tell us?"),
                max_length=COMMENT_MAX_LENGTH,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
            )

    def item_rows(self) -> list[ItemRow]:
        return [
            ItemRow(
                number=number,
                item=item,
                score=self[f"score_{item.pk}"],
                importance=self[f"importance_{item.pk}"] if self.template.ask_importance else None,
            )
            for number, item in enumerate(self.items, start=1)
        ]

    def question_names(self) -> list[str]:
        """The questions the progress indicator counts: every item, the overall score and the loyalty choices."""
        names = [f"score_{item.pk}" for item in self.items] + ["overall"]
        return names + [name for name in ("repurchase", "recommend") if name in self.fields]

    def answered_count(self) -> int:
        """How many of those questions the submitted data answers (0 on a fresh page)."""
        if not self.is_bound:
            return 0
        return sum(1 for name in self.question_names() if self.data.get(self.add_prefix(name)))

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            importance = cleaned.get(f"importance_{item.pk}")
            if importance is not None and cleaned.get(f"score_{item.pk}") is None:
                # Importance is stored with the item's score: without one it would be silently dropped.
                self.add_error(
                    f"importance_{item.pk}",
                    _("Give this item a score as well, or leave its importance empty."),
                )
        has_score = any(cleaned.get(f"score_{item.pk}") is not None for item in self.items)
        if not has_score and cleaned.get("overall") is None:
            raise forms.ValidationError(
                _("Please answer at least one question: score an item or your overall satisfaction."),
                code="empty",
            )
        return cleaned

    def answer_data(self) -> AnswerData:
        cleaned = self.cleaned_data
        scores = {
            item.pk: cleaned[f"score_{item.pk}"] for item in self.items if cleaned.get(f"score_{item.pk}") is not None
        }
        importances = {
            item.pk: cleaned[f"importance_{item.pk}"]
            for item in self.items
            if cleaned.get(f"importance_{item.pk}") is not None
        }
        return AnswerData(
            scores=scores,
            importances=importances,
            overall=cleaned.get("overall"),
            repurchase=cleaned.get("repurchase") or "",
            recommend=cleaned.get("recommend"),
            comment=(cleaned.get("comment") or "").strip(),
        )

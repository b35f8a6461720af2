"""Input of the staff's survey pages: questionnaires and their items, campaigns, answers given on the phone."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm_site.org.models import Branch
from customers.selectors import customer_list_for_user

from .models import Campaign, Dimension, Repurchase, Response, Score, SurveyTemplate
from .services import AnswerData, ItemData, TemplateData

# --- Questionnaires -------------------------------------------------------------------------------------------------


class TemplateForm(forms.ModelForm):
    """A questionnaire's texts and switches; its items are the ItemFormSet next to it."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("Shared by every version, e.g. annual-2026. Made from the English name if left empty."),
    )

    class Meta:
        model = SurveyTemplate
        fields = [
            "name_en",
            "name_zh",
            "intro_en",
            "intro_zh",
            "ask_importance",
            "ask_repurchase",
            "ask_recommend",
            "ask_comment",
        ]
        widgets = {"intro_en": forms.Textarea(attrs={"rows": 3}), "intro_zh": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["code"]  # the code names every version of the questionnaire: it stays
        else:
            self.order_fields(["name_en", "name_zh", "code"])


class ItemForm(forms.Form):
    item_id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    dimension = forms.ModelChoiceField(label=_("Dimension"), queryset=Dimension.objects.none())
    text_en = forms.CharField(label=_("Item (English)"), max_length=300)
    text_zh = forms.CharField(label=_("Item (Chinese)"), max_length=300)
    weight = forms.DecimalField(
        label=_("Weight"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        initial=Decimal("1"),
    )

    def __init__(self, *args, dimensions=None, known_items=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].queryset = dimensions if dimensions is not None else Dimension.objects.none()
        self.known_items = known_items

    def clean_item_id(self):
        item_id = self.cleaned_data.get("item_id")
        # Only this questionnaire's own items can be kept; anything else is a new item.
        return item_id if item_id in self.known_items else None


class BaseItemFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].label = _("Position")
        form.fields["DELETE"].label = _("Remove")

    def clean(self):
        super().clean()
        if any(self.errors) or self.non_form_errors():  # e.g. a POST without the management form
            return
        if not any(form.cleaned_data and not self._should_delete_form(form) for form in self.forms):
            raise forms.ValidationError(_("A questionnaire needs at least one item."))

    def ordered_items(self) -> list[ItemData]:
        """The rows kept (not deleted, not left empty), in the order given by their positions."""
        return [
            ItemData(
                dimension_id=form.cleaned_data["dimension"].pk,
                text_en=form.cleaned_data["text_en"],
                text_zh=form.cleaned_data["text_zh"],
                weight=form.cleaned_data["weight"],
                item_id=form.cleaned_data.get("item_id"),
            )
            for form in self.ordered_forms
            if form.cleaned_data
        ]


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=3, can_delete=True, can_order=True, max_num=100, validate_max=True
)


def item_formset(data=None, *, template: SurveyTemplate | None, dimensions) -> BaseItemFormSet:
    """The items of ``template`` (or none yet), plus empty rows to add more."""
    initial = []
    known: frozenset[int] = frozenset()
    if template is not None:
        items = list(template.items.order_by("sort_order", "pk"))
        known = frozenset(item.pk for item in items)
        initial = [
            {
                "item_id": item.pk,
                "dimension": item.dimension_id,
                "text_en": item.text_en,
                "text_zh": item.text_zh,
                "weight": item.weight,
                "ORDER": position,
            }
            for position, item in enumerate(items, start=1)
        ]
    return ItemFormSet(
        data, initial=initial, prefix="items", form_kwargs={"dimensions": dimensions, "known_items": known}
    )


def template_data(form: TemplateForm, formset: BaseItemFormSet) -> TemplateData:
    data = form.cleaned_data
    return TemplateData(
        name_en=data["name_en"],
        name_zh=data["name_zh"],
        intro_en=data["intro_en"],
        intro_zh=data["intro_zh"],
        ask_importance=data["ask_importance"],
        ask_repurchase=data["ask_repurchase"],
        ask_recommend=data["ask_recommend"],
        ask_comment=data["ask_comment"],
        items=formset.ordered_items(),
    )


# --- Campaigns ------------------------------------------------------------------------------------------------------

CODE_SEPARATORS = re.compile(r"[\s,;，；、]+")
MAX_PICKED = 2000


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class CampaignForm(forms.ModelForm):
    """A campaign's name, questionnaire and segment. Filled in for the audience preview too, where only the
    segment matters (``preview``: name and questionnaire may still be empty)."""

    template = TemplateChoiceField(
        label=_("Questionnaire"), queryset=SurveyTemplate.objects.none(), empty_label=_("Choose…")
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("All branches")
    )
    picked_codes = forms.CharField(
        label=_("Hand-picked customers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_("Customer codes, separated by spaces, commas or new lines. Empty: everyone in the segment."),
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "template",
            "branch",
            "tier",
            "quadrant",
            "complaint_closed_from",
            "complaint_closed_to",
            "skip_recent_days",
            "link_valid_days",
        ]
        widgets = {
            "complaint_closed_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "complaint_closed_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "complaint_closed_from": _("Customers with a complaint closed in this period (leave both empty: any)."),
            "skip_recent_days": _("Customers invited or answering in this many days are left out (0: nobody)."),
        }

    def __init__(self, *args, user, templates, branches, preview: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.picked_ids: list[int] | None = None
        self.fields["template"].queryset = templates
        self.fields["tier"].choices = [("", _("Any"))] + list(self.fields["tier"].choices)[1:]
        self.fields["quadrant"].choices = [("", _("Any"))] + list(self.fields["quadrant"].choices)[1:]
        if branches is None:
            del self.fields["branch"]  # a branch manager's campaign is for their branch: the service pins it
        else:
            self.fields["branch"].queryset = branches
        if preview:
            self.fields["name"].required = False
            self.fields["template"].required = False

    def clean(self):
        data = super().clean()
        start, end = data.get("complaint_closed_from"), data.get("complaint_closed_to")
        if start and end and end < start:
            self.add_error("complaint_closed_to", _("The end of the period comes before its start."))
        codes = [code for code in CODE_SEPARATORS.split(data.get("picked_codes", "")) if code]
        if codes:
            self._check_codes(list(dict.fromkeys(codes)), data.get("branch"))
        return data

    def _check_codes(self, codes: list[str], branch) -> None:
        if len(codes) > MAX_PICKED:
            self.add_error("picked_codes", _("At most %(n)s customers can be hand-picked.") % {"n": MAX_PICKED})
            return
        # Only customers the user may see in the customer list can be picked (a manager: their branch's).
        found = dict(customer_list_for_user(user=self.user).filter(code__in=codes).values_list("code", "pk").order_by())
        unknown = [code for code in codes if code not in found]
        if unknown:
            shown = ", ".join(unknown[:10]) + ("…" if len(unknown) > 10 else "")
            self.add_error(
                "picked_codes",
                ngettext(
                    "No customer of yours has the code %(codes)s.",
                    "No customers of yours have the codes %(codes)s.",
                    len(unknown),
                )
                % {"codes": shown},
            )
            return
        if branch is not None:
            outside = list(
                customer_list_for_user(user=self.user)
                .filter(pk__in=found.values())
                .exclude(branch=branch)
                .values_list("code", flat=True)[:10]
            )
            if outside:
                self.add_error(
                    "picked_codes",
                    _("Not customers of %(branch)s: %(codes)s. Choose all branches or remove them.")
                    % {"branch": branch.name, "codes": ", ".join(outside)},
                )
                return
        self.picked_ids = list(found.values())


# --- Answers --------------------------------------------------------------------------------------------------------

IMPORTANCE_CHOICES = [("", "—"), *((value, str(value)) for value in range(1, 11))]
RECOMMEND_CHOICES = [("", "—"), *((value, str(value)) for value in range(0, 11))]


def _score_choices():
    # "No answer" first, checked at the start: a radio once chosen could not otherwise be taken back.
    return [("", _("No answer")), *((value, f"{value} {label}") for value, label in Score.choices)]


class SurveyAnswerForm(forms.Form):
    """The questions of a questionnaire, as its public page asks them: 1–5 per item (optional importance),
    overall satisfaction, the loyalty questions and a comment, each only if the questionnaire asks it."""

    def __init__(self, *args, template: SurveyTemplate, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.items = list(items)
        for item in self.items:
            self.fields[f"score_{item.pk}"] = forms.TypedChoiceField(
                label=item.text,
                choices=_score_choices(),
                coerce=int,
                required=False,
                empty_value=None,
                initial="",
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            if template.ask_importance:
                self.fields[f"importance_{item.pk}"] = forms.TypedChoiceField(
                    label=_("How important is this to you? (1–10)"),
                    choices=IMPORTANCE_CHOICES,
                    coerce=int,
                    required=False,
                    empty_value=None,
                )
        self.fields["overall"] = forms.TypedChoiceField(
            label=_("Overall, how satisfied are you with us?"),
            choices=_score_choices(),
            coerce=int,
            required=False,
            empty_value=None,
            initial="",
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        )
        if template.ask_repurchase:
            self.fields["repurchase"] = forms.ChoiceField(
                label=_("Would you buy from us again?"),
                choices=[("", _("No answer")), *Repurchase.choices],
                required=False,
                initial="",
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
        if template.ask_recommend:
            self.fields["recommend"] = forms.TypedChoiceField(
                label=_("How likely are you to recommend us to a friend or colleague? (0–10)"),
                choices=RECOMMEND_CHOICES,
                coerce=int,
                required=False,
                empty_value=None,
            )
        if template.ask_comment:
            self.fields["comment"] = forms.CharField(
                label=_("Comments"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
            )

    def rows(self):
        """(item, score field, importance field or None) for each item, for the template."""
        return [
            (
                item,
                self[f"score_{item.pk}"],
                self[f"importance_{item.pk}"] if f"importance_{item.pk}" in self.fields else None,
            )
            for item in self.items
        ]

    def clean(self):
        data = super().clean()
        answered = [item for item in self.items if data.get(f"score_{item.pk}") is not None]
        if not answered and data.get("overall") is None:
            raise forms.ValidationError(_("Answer at least one question."))
        return data

    def answer_data(self) -> AnswerData:
        data = self.cleaned_data
        scores = {item.pk: data[f"score_{item.pk}"] for item in self.items if data.get(f"score_{item.pk}")}
        importances = {
            item.pk: data[f"importance_{item.pk}"]
            for item in self.items
            if item.pk in scores and data.get(f"importance_{item.pk}")
        }
        return AnswerData(
            scores=scores,
            importances=importances,
            overall=data.get("overall"),
            repurchase=data.get("repurchase", ""),
            recommend=data.get("recommend"),
            comment=data.get("comment", "").strip(),
        )


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.template}"


class RecordChoiceForm(forms.Form):
    """Which questionnaire the customer answers on the phone: a campaign they were invited to, or any current one."""

    campaign = CampaignChoiceField(
        label=_("Campaign they were invited to"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("None"),
    )
    template = TemplateChoiceField(
        label=_("Questionnaire"), queryset=SurveyTemplate.objects.none(), required=False, empty_label=_("Choose…")
    )

    def __init__(self, *args, campaigns, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["template"].queryset = templates

    def clean(self):
        data = super().clean()
        campaign, template = data.get("campaign"), data.get("template")
        if campaign is not None:
            if template is not None and template.pk != campaign.template_id:
                message = _("The campaign asks its own questionnaire: %(name)s.") % {"name": campaign.template}
                self.add_error("template", message)
            data["template"] = campaign.template
        elif template is None:
            raise forms.ValidationError(_("Choose a questionnaire or a campaign."))
        return data


# --- The answers list -----------------------------------------------------------------------------------------------


class ResponseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("Answered from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("Answered until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("Any")
    )
    template = TemplateChoiceField(
        label=_("Questionnaire"), queryset=SurveyTemplate.objects.none(), required=False, empty_label=_("Any")
    )
    source = forms.ChoiceField(label=_("Source"), required=False)
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False, empty_label=_("Any")
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("-date", _("Newest first")), ("date", _("Oldest first"))],
    )

    def __init__(self, *args, branches, templates, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("Any")), *Response.Source.choices]
        self.fields["template"].queryset = templates
        self.fields["campaign"].queryset = campaigns
        if branches is None:
            del self.fields["branch"]
        else:
            self.fields["branch"].queryset = branches
        for field in self.fields.values():
            is_select = hasattr(field.widget, "choices")
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )

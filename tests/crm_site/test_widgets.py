"""FastSelect writes what Django's select templates write, escaped the same way."""

import pytest
from django import forms
from django.test.html import parse_html

from crm_site.widgets import FastSelect, speed_up_selects

CHOICES = [
    ("", "Any"),
    ("a&b", 'Tom & "Jerry" <script>'),
    ("Group <1>", [("x", "服务态度"), ("y", "Why?")]),
    (3, "three"),
]
FLAT = [("", "Any"), ("a&b", 'Tom & "Jerry" <script>'), ("x", "服务态度"), (3, "three"), ("3 ", "three, spaced")]


@pytest.mark.parametrize("choices", [CHOICES, FLAT], ids=["groups", "flat"])
@pytest.mark.parametrize("value", [None, "", "a&b", "y", "x", 3, "3", ["x"]])
@pytest.mark.parametrize("attrs", [{}, {"class": "form-select", "required": True, "disabled": False, "id": "id_f"}])
def test_the_markup_is_django_s(value, attrs, choices):
    slow = forms.Select(attrs=attrs, choices=choices).render("f", value)
    fast = FastSelect(attrs=attrs, choices=choices).render("f", value)
    assert parse_html(fast) == parse_html(slow)
    assert "<script>" not in fast and "&lt;script&gt;" in fast


def test_only_plain_selects_are_swapped_and_they_keep_their_choices():
    class F(forms.Form):
        kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])
        many = forms.MultipleChoiceField(choices=[("a", "A")])
        radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = F(initial={"kind": "b"})
    speed_up_selects(form)
    assert [type(form.fields[n].widget).__name__ for n in ("kind", "many", "radio")] == [
        "FastSelect",
        "SelectMultiple",
        "RadioSelect",
    ]
    assert str(form["kind"]).count("<option") == 2 and 'value="b" selected' in str(form["kind"])
    assert type(F().fields["kind"].widget) is forms.Select  # another form is untouched


@pytest.mark.django_db
def test_a_model_choice_select_is_django_s():
    """Model choices come as ModelChoiceIteratorValue keys and an empty label: the same options, the same one
    selected, and one query for them either way."""
    from crm_site.org.models import Branch

    chosen = Branch.objects.create(code="B2", name="Shanghai <上海>")
    Branch.objects.create(code="B1", name="Beijing & 北京")

    class Pick(forms.Form):
        branch = forms.ModelChoiceField(queryset=Branch.objects.order_by("code"), empty_label="Any")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as django_s:
        slow = str(Pick({"branch": chosen.pk})["branch"])
    form = Pick({"branch": chosen.pk})
    speed_up_selects(form)
    with CaptureQueriesContext(connection) as ours:
        fast = str(form["branch"])
    assert len(ours) == len(django_s)
    assert parse_html(fast) == parse_html(slow)
    assert f'<option value="{chosen.pk}" selected>Shanghai &lt;上海&gt;</option>' in fast

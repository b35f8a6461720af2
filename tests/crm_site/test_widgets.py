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


@pytest.mark.parametrize("value", [None, "", "a&b", "y", 3, "3", ["x"]])
@pytest.mark.parametrize("attrs", [{}, {"class": "form-select", "required": True, "disabled": False, "id": "id_f"}])
def test_the_markup_is_django_s(value, attrs):
    slow = forms.Select(attrs=attrs, choices=CHOICES).render("f", value)
    fast = FastSelect(attrs=attrs, choices=CHOICES).render("f", value)
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

"""A select that renders its options in Python.

Django renders every ``<option>`` through a template include; a filter bar with nine selects (the complaint list:
about a hundred options, more with a company's whole staff in the handler list) spent about a third of the page's
time there. ``FastSelect`` writes the same markup as Django's ``select.html`` / ``select_option.html`` /
``attrs.html``, escaped the same way (tests/crm_site/test_widgets.py compares the two).
"""

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value))
    return "".join(parts)


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        # Read once (model choices query the database each time), through iter(): list() would ask their len() first,
        # a COUNT query.
        choices = list(iter(self.choices))
        if self.allow_multiple_selected or any(isinstance(label, list | tuple) for _value, label in choices):
            return self._render_groups(name, value, attrs)
        # Flat choices, one selected at most: the options straight from the choices, as Select.optgroups and
        # create_option would make them (no option dictionaries, no copies of the attributes for each option).
        chosen = set(self.format_value(value))
        html = [format_html('<select name="{}"', name), _attrs(self.build_attrs(self.attrs, attrs)), ">"]
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            selected = chosen and option_value in chosen
            if selected:
                chosen = set()  # the first match only, as Django selects it
            html.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>',
                    option_value,
                    mark_safe(" selected") if selected else "",
                    conditional_escape(label),
                )
            )
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 - every part is escaped above

    def _render_groups(self, name, value, attrs):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in group_choices:
                html.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>',
                        str(option["value"]),
                        mark_safe(_attrs(option["attrs"])),  # noqa: S308 - built from format_html above
                        conditional_escape(option["label"]),
                    )
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 - every part is escaped above


def speed_up_selects(form: forms.Form) -> None:
    """Render the form's plain selects with FastSelect (same markup, same choices; the widget keeps its state)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget.__class__ = FastSelect

"""Form input checked before it reaches the database: ids in range, free text of a sensible length.

Above 2**63 - 1 an id is an OverflowError on SQLite (a 500, not a form error). Django's ModelChoiceField is safe
(its `pk=` lookup knows the column's range); ModelMultipleChoiceField's `IN (...)` lookup is not.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from .converters import MAX_ID

# How much one text box takes. The columns take any length; a person's note is never 100 KB.
NOTE_MAX_LENGTH = 2000  # notes, comments, reasons, key points
SUMMARY_MAX_LENGTH = 4000  # a resolution plan, what was said in a contact or a visit
STATEMENT_MAX_LENGTH = 5000  # the complaint in the customer's own words


def limit_length(field: forms.CharField, max_length: int) -> None:
    """Give a model form's field for a TextField (which has no max_length) what a declared
    `CharField(max_length=...)` has: the form error, and `maxlength` on the textarea."""
    field.max_length = max_length
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs.update(field.widget_attrs(field.widget))  # what Field.__init__ does with max_length


def parse_id(value) -> int | None:
    """A row id read from request data without a form field: the number, or None if it cannot be one."""
    text = str(value).strip()
    # isdigit() alone also passes "²", which int() refuses; 19 digits bound int()'s work before the range check.
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField keyed by id: a value that cannot be an id is the field's usual
    "not a valid value" error instead of a database error in the `IN (...)` query."""

    def _check_values(self, value):
        for pk in value if self.to_field_name is None else ():
            if parse_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)

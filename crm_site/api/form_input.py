"""The API's input is checked by the same Django forms as the pages' (one home for validation: ``forms.py``).

``serializer_for_form`` describes a form's fields as a DRF serializer, for the schema and for the types of a JSON
body; ``form_data`` then runs the form itself on the typed values, and its errors are the API's field errors."""

from django import forms
from rest_framework import exceptions, serializers


def _field_for(field: forms.Field, *, optional: bool = False) -> serializers.Field | None:
    required = field.required and not optional
    common = {"required": required, "help_text": str(field.label) if field.label else None}
    if isinstance(field, forms.FileField):
        return None  # files travel as multipart on the pages; the JSON API leaves them out
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False, default=False, help_text=common["help_text"])
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=100, **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common, allow_null=not required, min_value=1)
    if isinstance(field, forms.ChoiceField):
        choices = [str(value) for value, _label in field.choices if value not in ("", None)]
        return serializers.ChoiceField(choices=choices, allow_blank=not required, **common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
            min_value=field.min_value,
            allow_null=not required,
            coerce_to_string=False,
            **common,
        )
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(min_value=field.min_value, max_value=field.max_value, **common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, forms.CharField):
        return serializers.CharField(
            max_length=field.max_length, allow_blank=not required, trim_whitespace=False, **common
        )
    raise TypeError(f"No API field for {type(field).__name__}")


def serializer_for_form(
    form_class, name: str, *, exclude=(), optional=(), extra: dict | None = None, fields_of=None
) -> type[serializers.Serializer]:
    """A serializer with the fields of ``form_class`` (or of several forms, ``fields_of``), as the schema shows
    them; ``optional`` fields are not required in the body (the form decides)."""
    declared = {}
    for cls in fields_of or (form_class,):
        for field_name, field in cls.base_fields.items():
            if field_name in exclude or field_name in declared:
                continue
            api_field = _field_for(field, optional=field_name in optional)
            if api_field is None:
                continue
            declared[field_name] = api_field
    declared.update(extra or {})
    return type(name, (serializers.Serializer,), declared)


def form_data(form_class, data: dict, **form_kwargs) -> dict:
    """The form's cleaned data for these typed values, or a ValidationError with the form's messages."""
    form = form_class(data={k: v for k, v in data.items() if v is not None}, **form_kwargs)
    if not form.is_valid():
        raise exceptions.ValidationError(form_errors(form))
    return form.cleaned_data


def form_errors(form) -> dict:
    """A bound form's messages by field ("__all__" for the form's own)."""
    return {field: [str(message) for message in messages] for field, messages in form.errors.items()}

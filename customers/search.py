"""Name fragments, fast at 200,000 customers.

PostgreSQL serves ``icontains`` fragments of three characters or more from trigram GIN indexes (migration
customers 0011). Chinese names are two to four characters, so staff often type one or two (a surname, 王;
a given name, 伟): no trigram exists for those. For them the condition also asks the name's set of characters to
contain the fragment's (``string_to_array(UPPER(name), NULL) @> …``, a GIN index on the same expression): the
index narrows the rows to names holding those characters, and the ``LIKE`` keeps the ones holding them in order.
SQLite (development, tests) has neither index and scans, with the same result.
"""

from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Upper

TRIGRAM_FROM = 3
CHARACTER_INDEXED = ("name", "company_name")


def _characters(field: str, value: str) -> Q:
    from django.contrib.postgres.fields import ArrayField
    from django.contrib.postgres.fields.array import ArrayContains

    array = ArrayField(TextField())
    # string_to_array(…, NULL) splits into characters (migration customers 0014 indexes the same expression).
    chars = Func(Upper(F(field)), Value(None, output_field=TextField()), function="string_to_array", output_field=array)
    return Q(ArrayContains(chars, Value(sorted(set(value.upper())), output_field=array)))


def contains(field: str, value: str) -> Q:
    """``field__icontains=value``, written so that PostgreSQL can use an index whatever the fragment's length."""
    condition = Q(**{f"{field}__icontains": value})
    if connection.vendor == "postgresql" and field in CHARACTER_INDEXED and len(value) < TRIGRAM_FROM:
        condition &= _characters(field, value)
    return condition


def name_or_company(value: str) -> Q:
    return contains("name", value) | contains("company_name", value)

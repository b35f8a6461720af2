from django.db import migrations

# The name's characters for one- and two-character fragments (customers.search), as string_to_array(…, NULL) rather
# than regexp_split_to_array(…, ''): the same array, but PostgreSQL computes it again for every row it rechecks (a
# fragment such as 公司 rechecks thousands), and without the regular expression engine it costs half as much.
# PostgreSQL only, as 0011.
OLD = [
    ("cust_name_chars_idx", "USING gin ((regexp_split_to_array(UPPER(name::text), '')))"),
    ("cust_company_chars_idx", "USING gin ((regexp_split_to_array(UPPER(company_name::text), '')))"),
]
NEW = [
    ("cust_name_charset_idx", "USING gin ((string_to_array(UPPER(name::text), NULL)))"),
    ("cust_company_charset_idx", "USING gin ((string_to_array(UPPER(company_name::text), NULL)))"),
]


def _swap(schema_editor, drop, create):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in drop:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, expression in create:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {expression}")


def forwards(apps, schema_editor):
    _swap(schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _swap(schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("customers", "0013_customer_last_answer")]

    operations = [migrations.RunPython(forwards, backwards)]

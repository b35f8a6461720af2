from django.db import migrations

# Name fragments (the customer list, the intake look-up, the complaint list's search by customer), PostgreSQL only
# (customers.search): trigram GIN indexes on the expression ``icontains`` writes, ``UPPER(col::text) LIKE
# UPPER(…)``, for fragments of three characters or more; GIN indexes on each name's characters for shorter ones;
# and the exact code in any case (``iexact``), so that every arm of the search's OR has an index and PostgreSQL
# can combine them. SQLite scans, as before.
TRIGRAM_INDEXES = [
    ("cust_name_trgm_idx", "USING gin ((UPPER(name::text)) gin_trgm_ops)"),
    ("cust_company_trgm_idx", "USING gin ((UPPER(company_name::text)) gin_trgm_ops)"),
    ("cust_name_chars_idx", "USING gin ((regexp_split_to_array(UPPER(name::text), '')))"),
    ("cust_company_chars_idx", "USING gin ((regexp_split_to_array(UPPER(company_name::text), '')))"),
    ("cust_code_upper_idx", "((UPPER(code::text)))"),
]


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {expression}")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_customer_unverified")]

    operations = [migrations.RunPython(trigram_indexes, drop_trigram_indexes)]

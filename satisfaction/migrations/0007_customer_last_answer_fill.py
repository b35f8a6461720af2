"""Fill each customer's latest survey answer (customers 0013) from the answers already given."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    """As satisfaction.services.customer_last_answer_refresh does for every customer (one UPDATE)."""
    Customer = apps.get_model("customers", "Customer")
    Response = apps.get_model("satisfaction", "Response")
    latest = Response.objects.filter(customer_id=OuterRef("pk")).order_by("-answered_at", "-pk")
    Customer.objects.filter(pk__in=Response.objects.values("customer_id")).update(
        last_answered_at=Subquery(latest.values("answered_at")[:1]),
        last_repurchase=Coalesce(Subquery(latest.values("repurchase")[:1]), Value("")),
        last_recommend=Subquery(latest.values("recommend")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_customer_last_answer"),
        ("satisfaction", "0006_response_period_cover"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]

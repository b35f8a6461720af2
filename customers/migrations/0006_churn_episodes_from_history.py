"""Churn episodes for the churns recorded before episodes existed: from the status history (a move to churned,
and the move back from it), and the current churn of customers still lost."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone


def forwards(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    CustomerEvent = apps.get_model("customers", "CustomerEvent")
    ChurnEpisode = apps.get_model("customers", "ChurnEpisode")
    episodes = []
    open_since: dict[int, tuple] = {}
    moves = (
        CustomerEvent.objects.filter(Q(to_value="churned") | Q(from_value="churned"), kind="status")
        .order_by("customer_id", "created_at", "pk")
        .values_list("customer_id", "from_value", "to_value", "note", "created_at")
    )
    for customer_id, from_value, to_value, note, created_at in moves.iterator():
        day = timezone.localdate(created_at)
        if to_value == "churned":
            open_since[customer_id] = (day, note)
        elif from_value == "churned" and customer_id in open_since:
            churned_on, reason = open_since.pop(customer_id)
            won_back_on = max(day, churned_on)
            episodes.append(
                ChurnEpisode(
                    customer_id=customer_id, churned_on=churned_on, won_back_on=won_back_on, reason=reason[:300]
                )
            )
    still_lost = Customer.objects.filter(status="churned", churned_on__isnull=False).values_list(
        "pk", "churned_on", "churn_reason"
    )
    for customer_id, churned_on, reason in still_lost.iterator():
        episodes.append(ChurnEpisode(customer_id=customer_id, churned_on=churned_on, reason=reason))
    ChurnEpisode.objects.bulk_create(episodes, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_churn_episode"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

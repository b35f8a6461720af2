"""Fill phone_e164 for the customers and contacts that existed before it, so lookups find them too."""

import phonenumbers
from django.conf import settings
from django.db import migrations

BATCH = 2000


def e164(phone: str, region: str) -> str:
    """customers.phones.phone_e164 as it was when this migration was written (a migration must not change later)."""
    phone = (phone or "").strip()
    digits = "".join(ch for ch in phone if ch.isdigit())
    digits = ("+" + digits) if phone.startswith("+") and digits else digits
    if not digits:
        return ""
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_valid_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def fill_phone_e164(apps, schema_editor):
    region = getattr(settings, "PHONE_DEFAULT_REGION", "CN")
    for name in ("Customer", "Contact"):
        model = apps.get_model("customers", name)
        changed = []
        for row in model.objects.exclude(phone="").only("pk", "phone", "phone_e164").iterator(chunk_size=BATCH):
            number = e164(row.phone, region)
            if row.phone_e164 != number:
                row.phone_e164 = number
                changed.append(row)
            if len(changed) >= BATCH:
                model.objects.bulk_update(changed, ["phone_e164"])
                changed = []
        model.objects.bulk_update(changed, ["phone_e164"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_phone_e164"),
    ]

    operations = [
        migrations.RunPython(fill_phone_e164, migrations.RunPython.noop, elidable=True),
    ]

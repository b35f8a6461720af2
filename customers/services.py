import uuid

from django.db import transaction

from .models import Customer


@transaction.atomic
def customer_create(
    *,
    actor,
    name: str,
    phone: str,
    branch_id: int,
    kind: str = Customer.Kind.INDIVIDUAL,
    email: str = "",
    source: str = "",
) -> Customer:
    """A new customer record; its code comes from its id, so it is unique without a lock."""
    customer = Customer.objects.create(
        code=uuid.uuid4().hex[:20],
        name=name.strip(),
        phone=phone.strip(),
        branch_id=branch_id,
        kind=kind,
        email=email,
        source=source,
        account_manager=actor,
    )
    customer.code = f"N{customer.pk:07d}"
    customer.save(update_fields=["code"])
    return customer

"""Phone numbers as a user may see them: in full for those the policy lets see them (rule customer.see_phone:
the account manager and the branch's supervisors), masked such as 138****1234 for everyone else."""

from crm_site.org.policy import can

from .models import Customer


def mask_phone(phone: str) -> str:
    """138****1234: keep the first three and last four digits of a long number, the last two of a short one."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 2:
        return "*" * (len(phone) - 2) + phone[-2:]
    return "*" * len(phone)


def phone_for(user, customer: Customer, phone: str) -> str:
    """A phone number of this customer (its own or a contact's) as this user may see it."""
    return phone if can(user, "customer.see_phone", customer) else mask_phone(phone)

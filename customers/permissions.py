"""Who may do what with a customer the access gate already let them see, and who sees full phones.

Phone rule (the least that lets people work): the customer's account manager, managers and general
managers see full numbers; other front-line staff (who may still open the record of any customer
of their branch) and administrators (who configure the system and do not call customers) see
masked numbers such as 138****1234.
"""

from crm_site.org.access import access_of
from crm_site.org.roles import Role

from .models import Customer

SUPERVISORS = frozenset({Role.MANAGER, Role.GENERAL_MANAGER})
STAFF_WHO_CONTACT_CUSTOMERS = frozenset({Role.FRONTLINE, Role.MANAGER, Role.GENERAL_MANAGER})


def can_manage_customer(user, customer: Customer) -> bool:
    """Edit the record, its contacts, status, assessment and visit plan."""
    role = access_of(user).role
    if role in SUPERVISORS:
        return True
    return role == Role.FRONTLINE and customer.account_manager_id == user.pk


def can_record_visit(user, plan) -> bool:
    """The plan's owner records its visits; managers may record them for their team."""
    return plan.is_active and (plan.owner_id == user.pk or access_of(user).role in SUPERVISORS)


def can_log_interaction(user) -> bool:
    return access_of(user).role in STAFF_WHO_CONTACT_CUSTOMERS


def sees_full_phone(user, customer: Customer) -> bool:
    return can_manage_customer(user, customer)


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
    return phone if sees_full_phone(user, customer) else mask_phone(phone)

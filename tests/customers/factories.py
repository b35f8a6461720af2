"""Factories for the customers app's own models (the shared ones live in tests/factories.py)."""

from datetime import date
from decimal import Decimal

import factory

from customers.models import Contact, Interaction, PotentialAssessment, Purchase, VisitPlan
from customers.phones import phone_e164
from tests.factories import CustomerFactory, UserFactory


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    date = date(2026, 6, 1)
    amount = Decimal("100.00")
    margin = Decimal("0")
    product = "RX-520"


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PotentialAssessment
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    share_of_wallet = 5
    growth = 5
    recommendation = 5
    loyalty_intent = 5
    rating = 3
    assessed_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def make_latest(self, create, extracted, **kwargs):
        if create:
            self.customer.latest_assessment = self
            self.customer.save(update_fields=["latest_assessment"])


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人 {n}")
    role = "采购经理"
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    phone_e164 = factory.LazyAttribute(lambda o: phone_e164(o.phone))  # as the services store it


class VisitPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPlan

    customer = factory.SubFactory(CustomerFactory)
    owner = factory.SubFactory(UserFactory)
    every_days = 30
    next_due = date(2026, 6, 1)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    channel = "phone"
    summary = "回访 Follow-up"
    staff = factory.SubFactory(UserFactory)


def buy(customer, amount, on: date, *, margin="0", count: int = 1):
    """``count`` purchases of ``amount`` each on one day."""
    return [
        PurchaseFactory(customer=customer, amount=Decimal(str(amount)), margin=Decimal(str(margin)), date=on)
        for _ in range(count)
    ]

"""Customers over the API: the list page's scope and filters, create and edit through customers.services,
interactions, transactions and visits. Phones are masked exactly as on the pages (customers/masking.py)."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from customers import services
from customers.filters import CustomerFilter
from customers.forms import CustomerForm, InteractionForm, VisitRecordForm
from customers.masking import phone_for
from customers.models import Customer, Interaction, Purchase, Tag, VisitPlan
from customers.selectors import (
    branches_for_user,
    customer_get_for_user,
    customer_list_for_user,
    tags_active,
    visit_plan_get_for_user,
    visit_plans_for_user,
)

from .complaint_serializers import PersonSerializer, RefSerializer
from .complaint_views import validated
from .form_input import form_data, serializer_for_form
from .pagination import NewestFirst
from .permissions import PolicyView, allowed_rule


class TagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CustomerSerializer(serializers.ModelSerializer):
    branch = RefSerializer()
    account_manager = PersonSerializer(allow_null=True)
    phone = serializers.SerializerMethodField(
        help_text=gettext_lazy("Masked (138****1234) unless the user may see it.")
    )
    tags = TagSerializer(many=True, source="tags.all")

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "company_name",
            "phone",
            "email",
            "address",
            "source",
            "branch",
            "account_manager",
            "status",
            "quadrant",
            "tier",
            "tags",
            "unverified",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone(self, customer) -> str:
        return phone_for(self.context["request"].user, customer, customer.phone)


class InteractionSerializer(serializers.ModelSerializer):
    staff = PersonSerializer(allow_null=True)

    class Meta:
        model = Interaction
        fields = ["id", "channel", "summary", "staff", "occurred_at", "created_at"]


class PurchaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Purchase
        fields = ["id", "date", "amount", "margin", "product", "reference", "created_at"]


class VisitPlanSerializer(serializers.ModelSerializer):
    customer = serializers.SerializerMethodField()
    owner = PersonSerializer(allow_null=True)

    class Meta:
        model = VisitPlan
        fields = ["id", "customer", "owner", "every_days", "channel", "next_due", "purpose", "last_visited_on"]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}},
        }
    )
    def get_customer(self, plan) -> dict:
        return {"id": plan.customer_id, "code": plan.customer.code, "name": plan.customer.name}


CustomerCreateInput = serializer_for_form(CustomerForm, "CustomerCreateInput")
CustomerUpdateInput = serializer_for_form(
    CustomerForm,
    "CustomerUpdateInput",
    exclude={"branch"},
    optional=set(CustomerForm.base_fields),
)
InteractionInput = serializer_for_form(InteractionForm, "InteractionInput")
VisitRecordInput = serializer_for_form(VisitRecordForm, "VisitRecordInput")


class ApiCustomerFilter(CustomerFilter):
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        user = getattr(request, "user", None)
        branches = branches_for_user(user=user) if user is not None and user.is_authenticated else None
        super().__init__(data, queryset, request=request, prefix=prefix, user=user, branches=branches)


class CustomerFilterBackend(DjangoFilterBackend):
    def get_filterset_class(self, view, queryset=None):
        return ApiCustomerFilter


def _customer(user, pk: int) -> Customer:
    """The customer as the API shows it (its gate already checked), tags in one query."""
    return (
        Customer.objects.select_related("branch", "account_manager")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .get(pk=pk)
    )


@extend_schema(tags=["customers"])
class CustomerList(PolicyView, GenericAPIView):
    list_endpoint = True
    rules = {"GET": allowed_rule("customer.list"), "POST": allowed_rule("customer.create")}
    serializer_class = CustomerSerializer
    pagination_class = NewestFirst
    filter_backends = [CustomerFilterBackend]
    filterset_class = ApiCustomerFilter

    def get_queryset(self):
        return customer_list_for_user(user=self.request.user).prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name"))
        )

    @extend_schema(summary=gettext_lazy("Customers the user may see, newest first, with the list page's filters."))
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Create a customer in a branch the user may act in."),
        request=CustomerCreateInput,
        responses={201: CustomerSerializer},
    )
    def post(self, request):
        data = form_data(
            CustomerForm,
            validated(CustomerCreateInput, request),
            branches=branches_for_user(user=request.user),
            tags=tags_active(),
        )
        customer = services.customer_create(
            actor=request.user,
            name=data["name"],
            phone=data["phone"],
            branch_id=data["branch"].pk,
            kind=data["kind"],
            email=data["email"],
            source=data["source"],
            company_name=data["company_name"],
            address=data["address"],
            tags=data["tags"],
        )
        body = CustomerSerializer(_customer(request.user, customer.pk), context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["customers"])
class CustomerDetail(PolicyView):
    rules = {
        "GET": allowed_rule("customer.view", gate=customer_get_for_user),
        "PATCH": allowed_rule("customer.change", gate=customer_get_for_user),
    }

    @extend_schema(
        summary=gettext_lazy("One customer (phone masked unless the user may see it)."), responses=CustomerSerializer
    )
    def get(self, request, pk: int):
        return Response(CustomerSerializer(_customer(request.user, pk), context={"request": request}).data)

    @extend_schema(
        summary=gettext_lazy("Change a customer's details: the fields sent; the others stay."),
        request=CustomerUpdateInput,
        responses=CustomerSerializer,
    )
    def patch(self, request, pk: int):
        customer = self.subject
        current = {name: getattr(customer, name) for name in services.EDITABLE_FIELDS}
        current["tags"] = [tag.pk for tag in customer.tags.all()]
        sent = validated(CustomerUpdateInput, request)
        # Unchanged by the request: the record's own values (the phone in full, never the masked one).
        data = form_data(CustomerForm, {**current, **sent}, instance=customer, tags=tags_active(), editing=True)
        services.customer_update(
            actor=request.user,
            customer_id=customer.pk,
            tags=data["tags"],
            **{f: data[f] for f in services.EDITABLE_FIELDS},
        )
        return Response(CustomerSerializer(_customer(request.user, pk), context={"request": request}).data)


class ByCustomer(PolicyView, GenericAPIView):
    """A customer's rows, newest first (the customer through its gate)."""

    list_endpoint = True

    def get(self, request, pk: int):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["customers"])
class InteractionList(ByCustomer):
    rules = {
        "GET": allowed_rule("customer.view", gate=customer_get_for_user),
        "POST": allowed_rule("customer.log_interaction", gate=customer_get_for_user),
    }
    serializer_class = InteractionSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return Interaction.objects.filter(customer=self.subject).select_related("staff")

    @extend_schema(summary=gettext_lazy("The customer's interactions, newest first."))
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(
        summary=gettext_lazy("Log an interaction (a call, a visit, a message) with the customer."),
        request=InteractionInput,
        responses={201: InteractionSerializer},
    )
    def post(self, request, pk: int):
        data = form_data(InteractionForm, validated(InteractionInput, request))
        interaction = services.interaction_log(actor=request.user, customer_id=self.subject.pk, **data)
        interaction = Interaction.objects.select_related("staff").get(pk=interaction.pk)
        return Response(InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["customers"])
class PurchaseList(ByCustomer):
    rules = {"GET": allowed_rule("customer.view", gate=customer_get_for_user)}
    serializer_class = PurchaseSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return Purchase.objects.filter(customer=self.subject)

    @extend_schema(summary=gettext_lazy("The customer's transactions (imported purchases), newest first."))
    def get(self, request, pk: int):
        return super().get(request, pk)


class DueFirst(NewestFirst):
    ordering = ("next_due", "id")


@extend_schema(tags=["visits"])
class VisitList(PolicyView, GenericAPIView):
    list_endpoint = True
    rules = {"GET": allowed_rule("visit.list")}
    serializer_class = VisitPlanSerializer
    pagination_class = DueFirst

    def get_queryset(self):
        return visit_plans_for_user(user=self.request.user)

    @extend_schema(summary=gettext_lazy("The active visit plans the user answers for, the most overdue first."))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["visits"])
class VisitRecord(PolicyView):
    rules = {"POST": allowed_rule("visitplan.record", gate=visit_plan_get_for_user)}

    @extend_schema(
        summary=gettext_lazy("Record a visit of this plan; the next one is scheduled."),
        request=VisitRecordInput,
        responses={201: InteractionSerializer},
    )
    def post(self, request, pk: int):
        data = form_data(VisitRecordForm, validated(VisitRecordInput, request))
        interaction = services.visit_record(
            actor=request.user, plan_id=self.subject.pk, summary=data["summary"], occurred_at=data["occurred_at"]
        )
        interaction = Interaction.objects.select_related("staff").get(pk=interaction.pk)
        return Response(InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED)

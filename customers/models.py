from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_site.org.models import Branch


class Customer(models.Model):
    """The single customer record (客户档案) for the whole company."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        COMPANY = "company", _("Company")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        AT_RISK = "at_risk", _("At risk")
        CHURNED = "churned", _("Churned")

    code = models.CharField(_("customer code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="customers", verbose_name=_("branch"))
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_customers",
        verbose_name=_("account manager"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    churn_reason = models.CharField(_("churn reason"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["phone"], name="cust_phone_idx"),
            models.Index(fields=["name"], name="cust_name_idx"),
            models.Index(fields=["branch", "status"], name="cust_branch_status_idx"),
            models.Index(fields=["-created_at"], name="cust_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="churned") | ~models.Q(churn_reason=""),
                name="cust_churned_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

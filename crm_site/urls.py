from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from . import customer360, views
from .org import throttle
from .org.converters import IdConverter
from .org.policy import can, public, signed_in

register_converter(IdConverter, "id")

# The configuration pages (the Django admin) ask the policy too; inside, model permissions narrow what each may do.
admin.site.has_permission = lambda request: (
    request.user.is_active and request.user.is_staff and can(request.user, "config.use")
)

handler403 = "crm_site.views.permission_denied"
handler404 = "crm_site.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", public(auth_views.LoginView.as_view(redirect_authenticated_user=True)), name="login"),
    path("accounts/logout/", signed_in(auth_views.LogoutView.as_view()), name="logout"),
    # Wrong old passwords are throttled there too: django-axes watches only the login form.
    path("accounts/password/", signed_in(throttle.PasswordChangeView.as_view()), name="password_change"),
    path(
        "accounts/password/done/", signed_in(auth_views.PasswordChangeDoneView.as_view()), name="password_change_done"
    ),
    # The language switch also works on the login page, before anyone is logged in.
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("customers/<id:pk>/360/", customer360.customer_360, name="customer_360"),
    path("customers/", include("customers.urls")),
    path("complaints/", include("complaints.urls")),
    path("satisfaction/", include("satisfaction.urls")),
    path("notifications/", include("crm_site.notifications.urls")),
    path("reports/", include("reports.urls")),
    path("exports/", include("crm_site.exports.urls")),
    path("api/", include("crm_site.api.urls")),
    path("s/", include("satisfaction.public_urls")),
    path("c/", include("intake.public_urls")),
    path("intake/", include("intake.urls")),
    path("config/", admin.site.urls),
]

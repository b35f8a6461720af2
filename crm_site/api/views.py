"""The API's pages: each user's tokens (create, list, revoke), the schema and its documentation page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm_site.org.policy import allowed

from . import services
from .forms import TokenForm
from .permissions import PolicyView, allowed_rule
from .selectors import api_token_get_for_user, api_tokens_for_user


@allowed("api_token.create")
def token_list(request):
    """The user's tokens; a new one's key is shown on this page once, right after it is created."""
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
        except services.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Token “%(name)s” created. Copy its key now: it will not be shown again.") % {"name": token.name},
            )
            form = TokenForm()
    tokens = list(api_tokens_for_user(user=request.user))
    return render(
        request,
        "api/token_list.html",
        {"form": form, "tokens": tokens, "new_key": new_key},
    )


@allowed("api_token.manage", gate=api_token_get_for_user, as_="token")
def token_revoke(request, token):
    """Asks first (GET), then revokes (POST)."""
    if request.method == "POST":
        services.api_token_revoke(actor=request.user, token_id=token.pk)
        messages.success(request, _("Token “%(name)s” revoked: its key no longer works.") % {"name": token.name})
        return redirect("api:tokens")
    return render(request, "api/token_revoke.html", {"token": token})


class SchemaView(PolicyView, SpectacularAPIView):
    rules = {"GET": allowed_rule("api.docs")}


class DocsView(PolicyView, SpectacularSwaggerSplitView):
    """The documentation page (Swagger UI, vendored, its script served as a file so that the CSP holds)."""

    rules = {"GET": allowed_rule("api.docs")}
    login_redirect = True
    url_name = "api:schema"
    template_name = "api/swagger_ui.html"
    title = _lazy("CRM API")

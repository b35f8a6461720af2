"""HTTP for a reader's own notifications: the list, following one, marking read, and delivery preferences."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from crm_site.org.policy import allowed

from .forms import NotificationFilterForm, NotificationPreferenceForm
from .models import NotificationPreference
from .registry import subject_url_for
from .selectors import notification_entries, notification_get_for_user, notification_list_for_user
from .services import notification_mark_read, notification_preference_set

PAGE_SIZE = 20


def _back_to_list(request):
    """Where a form on the list sent us from (its filters and page), else the list itself."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@require_GET
@allowed("notification.list")
def notification_list(request):
    form = NotificationFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    page = Paginator(notification_list_for_user(user=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/notification_list.html",
        {
            "form": form,
            "page": page,
            "entries": notification_entries(user=request.user, notifications=page.object_list),
            "filtered": bool(filters.get("unread_only") or filters.get("kind")),
        },
    )


@require_GET
@allowed("notification.view", gate=notification_get_for_user, as_="notification")
def notification_open(request, notification):
    """Following a notification reads it; its subject opens only if the subject's own gate still allows it."""
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    url = subject_url_for(request.user, notification)
    if url is None:
        messages.warning(request, _("You can no longer open what this notification is about."))
        return redirect("notifications:list")
    return redirect(url)


@require_POST
@allowed("notification.view", gate=notification_get_for_user, as_="notification")
def notification_read(request, notification):
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    return _back_to_list(request)


@require_POST
@allowed("notification.list")
def notification_read_all(request):
    count = notification_mark_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count) % {"n": count},
        )
    else:
        messages.info(request, _("There was nothing unread."))
    return _back_to_list(request)


@allowed("notification.list")
def notification_preferences(request):
    preference = NotificationPreference.objects.filter(user_id=request.user.pk).first()
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            notification_preference_set(
                user=request.user, delivery=form.cleaned_data["delivery"], language=form.cleaned_data["language"]
            )
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
    else:
        default = NotificationPreference._meta.get_field("delivery").default
        form = NotificationPreferenceForm(
            initial={
                "delivery": preference.delivery if preference else default,
                "language": preference.language if preference else "",
            }
        )
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(request.user.email), "list_url": reverse("notifications:list")},
    )

"""The customer's side (no login, short URLs under /c/): the complaint form, the page that gives the number and
the private link, and the status page where the customer reads the stage and writes to us.

Built like the survey pages (satisfaction/answer_views.py): throttled per client address (and, for a complaint,
per phone or e-mail), a plain sentence for any bad link (never the site's 404 page), nothing about staff or other
customers. The status link is a signed token (intake/tokens.py): an altered one names no complaint at all.
"""

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from complaints.models import Complaint
from crm_site.org.models import Branch
from crm_site.org.policy import public

from . import stages
from .forms import PublicComplaintForm, StatusMessageForm
from .selectors import status_events
from .services import MAX_FILES, IntakeError, WebComplaint, status_message_add, web_complaint_submit
from .tokens import complaint_ref, status_token

logger = logging.getLogger(__name__)

# A person reads a page a few times a minute and files one or two complaints; a script soon meets these.
GET_RATE = "60/m"
POST_RATE = "20/h"  # every sending of the form or a message, accepted or not, per client address
CONTACT_RATE = "3/h"  # accepted complaints per phone number or e-mail address
# Refused before the body is read: the form's text and MAX_FILES photos of 10 MB fit well below this.
MAX_REQUEST_BYTES = (MAX_FILES * 10 + 1) * 1024 * 1024
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}

PROBLEMS = {
    "unknown": (
        404,
        gettext_lazy("This link is not valid"),
        gettext_lazy("Please check that you opened the whole link we gave you, or file a new complaint."),
    ),
    "branch": (
        404,
        gettext_lazy("This form is not available"),
        gettext_lazy("This branch does not take complaints online. Please choose another branch."),
    ),
    "throttled": (
        429,
        gettext_lazy("Too many requests"),
        gettext_lazy("Too many requests came from your connection. Please wait a minute and try again."),
    ),
    "too_large": (
        413,
        gettext_lazy("Too much to send at once"),
        gettext_lazy("What you sent is too large. Please go back and choose fewer or smaller photos."),
    ),
}


def _problem(request, reason: str):
    status, title, sentence = PROBLEMS[reason]
    context = {"reason": reason, "title": title, "sentence": sentence}
    return render(request, "intake/problem.html", context, status=status)


def _over(request, *, group: str, rate: str, key="ip") -> int | None:
    """Count this request; the seconds to wait once over the limit; None within it or when the cache is down
    (customers must still be able to complain)."""
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    except RedisError:
        logger.warning("Throttle cache unavailable; %s not throttled", request.path, exc_info=True)
        return None
    if usage is not None and usage["should_limit"]:
        return max(1, usage["time_left"])
    return None


def customer_page(view):
    """Throttled per client address; a body over MAX_REQUEST_BYTES refused unread; ``?lang=en|zh-hans`` keeps
    the language in the language cookie and comes back without the parameter (as the survey pages do).

    The CSRF check reads the body (the token is a form field), so it runs here, after the size check: the view is
    exempt from the middleware's check and protected inside (Django's documented way to act before the body is
    parsed)."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request, **kwargs):
        if request.method == "POST":
            wait = _over(request, group="intake.post", rate=POST_RATE)
        else:
            wait = _over(request, group="intake.get", rate=GET_RATE)
        if wait is not None:
            response = _problem(request, "throttled")
            response["Retry-After"] = str(wait)
            return response
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BYTES:
            return _problem(request, "too_large")
        language = request.GET.get("lang")
        if request.method == "GET" and language in LANGUAGE_CODES:
            response = redirect(request.path)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
            return response
        return protected(request, **kwargs)

    return csrf_exempt(wrapped)


def customer_read_page(view):
    """A page that takes no form: throttled and with the language switch, checked by the CSRF middleware as usual."""
    wrapped = customer_page(view)
    wrapped.csrf_exempt = False
    return wrapped


def _complaint_of(token: str) -> Complaint | None:
    """The complaint the token names, if it still is that complaint (id and number both match)."""
    ref = complaint_ref(token)
    if ref is None:
        return None
    pk, number = ref
    return Complaint.objects.filter(pk=pk, number=number).first()


def _file(request, branch: Branch | None):
    form = PublicComplaintForm(request.POST or None, request.FILES or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        key = form.contact_key()
        if _over(request, group="intake.contact", rate=CONTACT_RATE, key=lambda _group, _request: key) is not None:
            form.add_error(
                None,
                gettext_lazy(
                    "We already received several complaints from this phone number or e-mail address in the last "
                    "hour. Please wait a while before sending another, or call us."
                ),
            )
        else:
            d = form.cleaned_data
            try:
                complaint = web_complaint_submit(
                    branch_id=form.chosen_branch().pk,
                    data=WebComplaint(
                        name=d["name"],
                        phone=d["phone"],
                        email=d["email"],
                        what_happened=d["what_happened"],
                        occurred_at=d["occurred_at"],
                        location=d["location"],
                        request=d["request"],
                    ),
                    files=d["photos"],
                )
            except IntakeError as error:
                form.add_error(None, str(error))
            else:
                return redirect("intake:filed", token=status_token(complaint))
    context = {"form": form, "branch": branch, "max_files": MAX_FILES, "max_bytes": MAX_REQUEST_BYTES}
    return render(request, "intake/complaint_form.html", context)


@public
@never_cache
@require_http_methods(["GET", "POST"])
@customer_page
def complaint_form(request):
    """The company-wide form: the visitor chooses the branch."""
    return _file(request, None)


@public
@never_cache
@require_http_methods(["GET", "POST"])
@customer_page
def branch_complaint_form(request, branch_code: str):
    """One branch's form (the link or QR code at its counter)."""
    branch = Branch.objects.filter(code=branch_code[:20], is_active=True).first()
    if branch is None:
        return _problem(request, "branch")
    return _file(request, branch)


@public
@never_cache
@require_GET
@customer_read_page
def filed(request, token: str):
    """Right after filing: the number and the private link, to keep."""
    complaint = _complaint_of(token)
    if complaint is None:
        return _problem(request, "unknown")
    status_url = request.build_absolute_uri(reverse("intake:status", kwargs={"token": token}))
    return render(request, "intake/filed.html", {"complaint": complaint, "status_url": status_url, "token": token})


@public
@never_cache
@require_http_methods(["GET", "POST"])
@customer_page
def status(request, token: str):
    """The stage in plain words and the conversation (customer-facing notes and the customer's own messages)."""
    complaint = _complaint_of(token)
    if complaint is None:
        return _problem(request, "unknown")
    form = StatusMessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            status_message_add(
                complaint_id=complaint.pk, text=form.cleaned_data["text"], files=form.cleaned_data["photos"]
            )
        except IntakeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext_lazy("Thank you: your message was added to your complaint."))
            return redirect("intake:status", token=token)
    stage = stages.stage_of(complaint)
    order = [code for code, _label in stages.PROGRESS]
    reached = order.index(stage) if stage in order else len(order) - 1
    context = {
        "complaint": complaint,
        "token": token,
        "stage": stage,
        "stage_label": stages.LABELS[stage],
        "stage_explanation": stages.EXPLANATIONS[stage],
        "progress": [
            {"code": code, "label": label, "done": i <= reached, "current": code == stage}
            for i, (code, label) in enumerate(stages.PROGRESS)
        ],
        "events": status_events(complaint),
        "form": form,
        "max_bytes": MAX_REQUEST_BYTES,
    }
    return render(request, "intake/status.html", context)

"""The customer's side of a survey: a personal link answered without logging in (/s/<token>/).

Whatever is wrong with a link, the visitor gets a plain sentence (never the site's 404 page, never anything about
a customer); requests are throttled per client address so that guessing links soon meets a friendly 429.
"""

import logging
import re
from functools import wraps

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from crm_site.org.policy import public

from .answer_forms import AnswerForm
from .services import LinkProblem, SurveyError, invitation_for_token, invitation_opened, response_submit

logger = logging.getLogger(__name__)

# A person opens a link a few times and sends once or twice; a script guessing links soon meets these.
GET_RATE = "30/m"
POST_RATE = "10/m"
# What a real token looks like (urlsafe base64 of 24 bytes); anything else is unknown without a database query.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}

PROBLEMS = {
    "unknown": (
        404,
        gettext_lazy("Link not found"),
        gettext_lazy("This survey link does not work. Please check that you opened the whole link from your message."),
    ),
    "used": (
        410,
        gettext_lazy("Already answered"),
        gettext_lazy("This survey has already been answered. Thank you for your time!"),
    ),
    "expired": (
        410,
        gettext_lazy("Link expired"),
        gettext_lazy("This survey link has expired, so it no longer takes answers."),
    ),
    "closed": (
        410,
        gettext_lazy("Survey closed"),
        gettext_lazy("This survey has closed, so it no longer takes answers."),
    ),
    "throttled": (
        429,
        gettext_lazy("Too many requests"),
        gettext_lazy("Too many requests came from your connection. Please wait a minute and try again."),
    ),
}


def _problem(request, reason: str):
    status, title, sentence = PROBLEMS[reason]
    context = {"reason": reason, "title": title, "sentence": sentence}
    return render(request, "satisfaction/answer_problem.html", context, status=status)


def _seconds_to_wait(request) -> int | None:
    """Count this request against its client address; the seconds until the window ends once over the limit.
    None when within the limit, or when the cache is down (customers must still be able to answer)."""
    if request.method == "POST":
        limit = {"group": "satisfaction.answer.post", "rate": POST_RATE}
    else:
        limit = {"group": "satisfaction.answer.get", "rate": GET_RATE}
    try:
        usage = get_usage(request, key="ip", increment=True, **limit)
    except RedisError:
        logger.warning("Throttle cache unavailable; %s not throttled", request.path, exc_info=True)
        return None
    if usage is not None and usage["should_limit"]:
        return max(1, usage["time_left"])
    return None


def survey_page(view):
    """Throttled per client address; ``?lang=en|zh-hans`` keeps the language in the language cookie (as the
    public set_language view does) and comes back without the parameter, so both switches agree."""

    @wraps(view)
    def wrapped(request, token: str):
        wait = _seconds_to_wait(request)
        if wait is not None:
            response = _problem(request, "throttled")
            response["Retry-After"] = str(wait)
            return response
        language = request.GET.get("lang")
        if request.method == "GET" and language in LANGUAGE_CODES:
            response = redirect(request.path)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
            return response
        return view(request, token)

    return wrapped


def _invitation(token: str):
    if not TOKEN_SHAPE.fullmatch(token):
        raise LinkProblem("unknown")
    return invitation_for_token(token)


@public
@never_cache
@require_http_methods(["GET", "POST"])
@survey_page
def answer(request, token: str):
    try:
        invitation = _invitation(token)
    except LinkProblem as problem:
        return _problem(request, problem.reason)
    invitation_opened(invitation)
    template = invitation.campaign.template
    form = AnswerForm(request.POST if request.method == "POST" else None, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            response_submit(token=token, data=form.answer_data())
        except LinkProblem as problem:  # answered in another tab, or expired, a moment ago
            return _problem(request, problem.reason)
        except SurveyError as error:
            form.add_error(None, str(error))
        else:
            return redirect("survey:thanks", token=token)
    answered = form.answered_count()
    total = len(form.question_names())
    progress_pattern = gettext("%(answered)s of %(total)s answered")
    context = {
        "token": token,
        "answer_path": reverse("survey:answer", kwargs={"token": token}),
        "template": template,
        "form": form,
        "rows": form.item_rows(),
        "progress_pattern": progress_pattern,
        "progress_text": progress_pattern % {"answered": answered, "total": total},
        "answered": answered,
        "total": total,
    }
    return render(request, "satisfaction/answer.html", context)


@public
@never_cache
@require_GET
@survey_page
def thanks(request, token: str):
    """Shown once the link is used (so it must not say "already answered"); a link not yet used goes back to the
    questions."""
    try:
        _invitation(token)
    except LinkProblem as problem:
        if problem.reason != "used":
            return _problem(request, problem.reason)
        answer_path = reverse("survey:answer", kwargs={"token": token})
        return render(request, "satisfaction/answer_thanks.html", {"answer_path": answer_path})
    return redirect("survey:answer", token=token)

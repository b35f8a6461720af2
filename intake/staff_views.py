"""Staff pages (/intake/): the mails the mailbox could not read, for an admin to look at and deal with by hand."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm_site.org.policy import allowed

from .selectors import inbound_mail_get_for_user, unread_mails
from .services import IntakeError, inbound_mail_review

# Shown as text on the page; a longer mail is cut there (the whole of it stays in the database).
RAW_SHOWN_BYTES = 200_000


@require_GET
@allowed("intake.mail_review")
def mail_list(request):
    page = Paginator(unread_mails(), 50).get_page(request.GET.get("page"))
    return render(request, "intake/mail_list.html", {"page": page})


@require_GET
@allowed("intake.mail_review", gate=inbound_mail_get_for_user, as_="mail")
def mail_detail(request, mail):
    raw = bytes(mail.raw or b"")
    context = {
        "mail": mail,
        "raw_text": raw[:RAW_SHOWN_BYTES].decode("utf-8", errors="replace"),
        "raw_cut": len(raw) > RAW_SHOWN_BYTES,
    }
    return render(request, "intake/mail_detail.html", context)


@require_POST
@allowed("intake.mail_review", gate=inbound_mail_get_for_user, as_="mail")
def mail_review(request, mail):
    try:
        inbound_mail_review(actor=request.user, mail_id=mail.pk)
    except IntakeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The mail is marked as dealt with; it stays on record."))
    return redirect("intake_staff:mails")

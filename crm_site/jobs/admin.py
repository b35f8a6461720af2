from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm_site.org.policy import can

from .models import Job
from .services import KIND_LABELS, JobError, job_retry
from .workflow import JobState


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return sorted(((kind, label) for kind, label in KIND_LABELS.items()), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs are written by their services and workers; a failed one can be sent again."""

    list_display = ["pk", "kind_label", "state", "attempts", "created_at", "claimed_at", "finished_at", "short_error"]
    list_filter = ["state", KindFilter]
    search_fields = ["kind", "key", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    actions = ["retry_selected"]
    readonly_fields = [f.name for f in Job._meta.fields if f.name != "claim_token"]
    exclude = ["claim_token"]

    def has_module_permission(self, request):
        return can(request.user, "job.view")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "job.view", obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, job: Job) -> str:
        return str(KIND_LABELS.get(job.kind, job.kind))

    @admin.display(description=_("last error"))
    def short_error(self, job: Job) -> str:
        return job.last_error[:80]

    @admin.action(description=_("Retry the selected failed jobs"))
    def retry_selected(self, request, queryset):
        selected = list(queryset)  # before retrying: a filtered list would no longer hold the retried jobs
        retried = 0
        for job in (job for job in selected if job.state == JobState.FAILED):
            try:
                job_retry(job=job, actor=request.user)
            except JobError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            retried += 1
        skipped = len(selected) - retried
        if retried:
            self.message_user(
                request,
                ngettext("%(n)d job queued again.", "%(n)d jobs queued again.", retried) % {"n": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d selected job was not failed and was left as it is.",
                    "%(n)d selected jobs were not failed and were left as they are.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can(request.user, "job.retry"):
            actions.pop("retry_selected", None)
        return actions

from django.urls import path, re_path

from crm_site.org.policy import public

from . import complaint_views as complaints
from . import customer_views as customers
from . import statistics_views as statistics
from . import survey_views as surveys
from . import views
from .errors import not_found

app_name = "api"

v1 = [
    path("complaints/", complaints.ComplaintList.as_view(), name="complaints"),
    path("complaints/<id:pk>/", complaints.ComplaintDetail.as_view(), name="complaint"),
    path("complaints/<id:pk>/step/", complaints.StepSave.as_view(), name="complaint_step"),
    path("complaints/<id:pk>/advance/", complaints.Advance.as_view(), name="complaint_advance"),
    path("complaints/<id:pk>/confirm/", complaints.Confirm.as_view(), name="complaint_confirm"),
    path("complaints/<id:pk>/plans/", complaints.PlanSubmit.as_view(), name="complaint_plan_submit"),
    path("complaints/<id:pk>/revisit/", complaints.RevisitRecord.as_view(), name="complaint_revisit"),
    path("complaints/<id:pk>/assign/", complaints.Assign.as_view(), name="complaint_assign"),
    path("complaints/<id:pk>/notes/", complaints.NoteAdd.as_view(), name="complaint_note"),
    path("complaints/<id:pk>/extend/", complaints.Extend.as_view(), name="complaint_extend"),
    path("complaints/<id:pk>/force-close/", complaints.ForceClose.as_view(), name="complaint_force_close"),
    path("complaints/<id:pk>/reopen/", complaints.Reopen.as_view(), name="complaint_reopen"),
    path("complaints/<id:pk>/archive/", complaints.Archive.as_view(), name="complaint_archive"),
    path("complaints/<id:pk>/attachments/", complaints.AttachmentAdd.as_view(), name="complaint_attachments"),
    path("attachments/<id:pk>/file/", complaints.AttachmentFile.as_view(), name="attachment_file"),
    path("plans/<id:pk>/decide/", complaints.PlanDecide.as_view(), name="plan_decide"),
    path("plans/<id:pk>/response/", complaints.PlanResponse.as_view(), name="plan_response"),
    path("remedies/<id:pk>/done/", complaints.RemedyDone.as_view(), name="remedy_done"),
    path("customers/", customers.CustomerList.as_view(), name="customers"),
    path("customers/<id:pk>/", customers.CustomerDetail.as_view(), name="customer"),
    path("customers/<id:pk>/interactions/", customers.InteractionList.as_view(), name="customer_interactions"),
    path("customers/<id:pk>/transactions/", customers.PurchaseList.as_view(), name="customer_transactions"),
    path("visits/", customers.VisitList.as_view(), name="visits"),
    path("visits/<id:pk>/record/", customers.VisitRecord.as_view(), name="visit_record"),
    path("surveys/templates/", surveys.TemplateList.as_view(), name="survey_templates"),
    path("surveys/templates/<id:pk>/", surveys.TemplateDetail.as_view(), name="survey_template"),
    path("surveys/campaigns/", surveys.CampaignList.as_view(), name="survey_campaigns"),
    path("surveys/campaigns/<id:pk>/", surveys.CampaignDetail.as_view(), name="survey_campaign"),
    path("surveys/campaigns/<id:pk>/send/", surveys.CampaignSend.as_view(), name="survey_campaign_send"),
    path("surveys/campaigns/<id:pk>/close/", surveys.CampaignClose.as_view(), name="survey_campaign_close"),
    path("surveys/answer/<str:token>/", surveys.SurveyAnswer.as_view(), name="survey_answer"),
    *statistics.urlpatterns,
]

urlpatterns = [
    *[path(f"v1/{p.pattern}", p.callback, name=p.name) for p in v1],
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.token_revoke, name="token_revoke"),
    # Any other address under /api/: the JSON 404 rather than the site's HTML page.
    re_path(r"^.*$", public(not_found), name="not_found"),
]

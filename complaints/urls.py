from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("export.<str:fmt>", views.complaint_export, name="export"),
    path("new/", views.complaint_create, name="create"),
    path("new/customers/", views.customer_search, name="customer_search"),
    path("approvals/", views.approval_queue, name="approvals"),
    path("<id:pk>/", views.complaint_detail, name="detail"),
    path("<id:pk>/step/", views.complaint_step_save, name="step_save"),
    path("<id:pk>/advance/", views.complaint_advance, name="advance"),
    path("<id:pk>/confirm/", views.complaint_confirm, name="confirm"),
    path("<id:pk>/plan/", views.plan_submit, name="plan_submit"),
    path("<id:pk>/revisit/", views.revisit_record, name="revisit"),
    path("<id:pk>/assign/", views.complaint_assign, name="assign"),
    path("<id:pk>/note/", views.note_add, name="note"),
    path("<id:pk>/attachment/", views.attachment_add, name="attachment_add"),
    path("<id:pk>/extend/", views.complaint_extend, name="extend"),
    path("<id:pk>/close/", views.complaint_force_close, name="force_close"),
    path("<id:pk>/reopen/", views.complaint_reopen, name="reopen"),
    path("<id:pk>/archive/", views.complaint_archive, name="archive"),
    path("plans/<id:plan_id>/decide/", views.plan_decide, name="plan_decide"),
    path("plans/<id:plan_id>/response/", views.plan_response, name="plan_response"),
    path("remedies/<id:remedy_id>/done/", views.remedy_done, name="remedy_done"),
    path("attachments/<id:attachment_id>/", views.attachment_download, name="attachment"),
]

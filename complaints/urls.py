from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("new/customers/", views.customer_search, name="customer_search"),
    path("approvals/", views.approval_queue, name="approvals"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/step/", views.complaint_step_save, name="step_save"),
    path("<int:pk>/advance/", views.complaint_advance, name="advance"),
    path("<int:pk>/confirm/", views.complaint_confirm, name="confirm"),
    path("<int:pk>/plan/", views.plan_submit, name="plan_submit"),
    path("<int:pk>/revisit/", views.revisit_record, name="revisit"),
    path("<int:pk>/assign/", views.complaint_assign, name="assign"),
    path("<int:pk>/note/", views.note_add, name="note"),
    path("<int:pk>/attachment/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/extend/", views.complaint_extend, name="extend"),
    path("<int:pk>/close/", views.complaint_force_close, name="force_close"),
    path("<int:pk>/reopen/", views.complaint_reopen, name="reopen"),
    path("<int:pk>/archive/", views.complaint_archive, name="archive"),
    path("plans/<int:plan_id>/decide/", views.plan_decide, name="plan_decide"),
    path("plans/<int:plan_id>/response/", views.plan_response, name="plan_response"),
    path("remedies/<int:remedy_id>/done/", views.remedy_done, name="remedy_done"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]

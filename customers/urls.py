from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.<str:fmt>", views.customer_export, name="export"),
    path("new/", views.customer_create, name="create"),
    path("new/duplicates/", views.duplicate_check, name="duplicate_check"),
    path("<id:pk>/", views.customer_detail, name="detail"),
    path("<id:pk>/edit/", views.customer_edit, name="edit"),
    path("<id:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<id:pk>/contacts/<id:contact_pk>/deactivate/", views.contact_deactivate, name="contact_deactivate"),
    path("<id:pk>/interactions/", views.interaction_log, name="interaction_log"),
    path("<id:pk>/assessment/", views.assessment_record, name="assessment"),
    path("<id:pk>/status/", views.status_change, name="status"),
    path("<id:pk>/verify/", views.customer_verify, name="verify"),
    path("<id:pk>/visit-plan/", views.visit_plan_edit, name="visit_plan"),
    path("<id:pk>/visit-plan/stop/", views.visit_plan_stop, name="visit_plan_stop"),
    path("visits/", views.visits, name="visits"),
    path("visits/export.<str:fmt>", views.visit_export, name="visit_export"),
    path("visits/<id:plan_pk>/record/", views.visit_record, name="visit_record"),
    path("transfer/", views.transfer, name="transfer"),
    path("transactions/import/", views.import_upload, name="import"),
    path("transactions/import/<id:pk>/", views.import_preview, name="import_preview"),
    path("transactions/import/<id:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("transactions/import/<id:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/recompute/", views.classify_now, name="classify_now"),
    path("report/retention/", views.retention, name="retention"),
]

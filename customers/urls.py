from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("new/duplicates/", views.duplicate_check, name="duplicate_check"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/deactivate/", views.contact_deactivate, name="contact_deactivate"),
    path("<int:pk>/interactions/", views.interaction_log, name="interaction_log"),
    path("<int:pk>/assessment/", views.assessment_record, name="assessment"),
    path("<int:pk>/status/", views.status_change, name="status"),
    path("<int:pk>/visit-plan/", views.visit_plan_edit, name="visit_plan"),
    path("<int:pk>/visit-plan/stop/", views.visit_plan_stop, name="visit_plan_stop"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:plan_pk>/record/", views.visit_record, name="visit_record"),
    path("transfer/", views.transfer, name="transfer"),
    path("transactions/import/", views.import_upload, name="import"),
    path("transactions/import/<int:pk>/", views.import_preview, name="import_preview"),
    path("transactions/import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("transactions/import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/recompute/", views.classify_now, name="classify_now"),
    path("report/retention/", views.retention, name="retention"),
]

"""The customer's side, without logging in (short: /c/)."""

from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("", views.complaint_form, name="form"),
    path("b/<str:branch_code>/", views.branch_complaint_form, name="branch_form"),
    path("filed/<str:token>/", views.filed, name="filed"),
    path("status/<str:token>/", views.status, name="status"),
]

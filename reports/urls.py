"""The complaint statistics (投诉总结) and the corrective actions (整改)."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("export/<str:table>.<str:fmt>", views.statistics_export, name="export"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<id:pk>/", views.action_detail, name="action_detail"),
    path("actions/<id:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<id:pk>/status/", views.action_move, name="action_move"),
]

"""Satisfaction pages: questionnaires, campaigns, answers recorded by staff, and the CSI dashboard."""

from django.urls import path

from . import dashboard_views, views

app_name = "satisfaction"

urlpatterns = [
    # Questionnaires (survey.design)
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<id:pk>/", views.template_detail, name="template_detail"),
    path("templates/<id:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<id:pk>/archive/", views.template_archive, name="template_archive"),
    # Campaigns (campaign.create / campaign.view / campaign.send)
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<id:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<id:pk>/send/", views.campaign_send, name="campaign_send"),
    path("campaigns/<id:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<id:pk>/links.csv", views.campaign_links, name="campaign_links"),
    # Answers (csi.view to read; response.record to record one given on the phone)
    path("responses/", views.response_list, name="response_list"),
    path("responses/export.<str:fmt>", views.response_export, name="response_export"),
    path("responses/<id:pk>/", views.response_detail, name="response_detail"),
    path("customers/<id:customer_pk>/record/", views.response_record, name="response_record"),
    # The CSI dashboard and its exports (csi.view)
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export/<str:table>.<str:fmt>", dashboard_views.dashboard_export, name="dashboard_export"),
]

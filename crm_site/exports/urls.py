from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="mine"),
    path("<id:pk>/download/", views.export_download, name="download"),
]

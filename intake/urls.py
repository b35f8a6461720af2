from django.urls import path

from . import staff_views

app_name = "intake_staff"

urlpatterns = [
    path("mails/", staff_views.mail_list, name="mails"),
    path("mails/<id:pk>/", staff_views.mail_detail, name="mail"),
    path("mails/<id:pk>/reviewed/", staff_views.mail_review, name="mail_review"),
]

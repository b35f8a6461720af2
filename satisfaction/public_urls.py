"""The customer's side: a personal survey link, answered without logging in (short: /s/<token>/)."""

from django.urls import path

from . import answer_views

app_name = "survey"

urlpatterns = [
    path("<str:token>/", answer_views.answer, name="answer"),
    path("<str:token>/thanks/", answer_views.thanks, name="thanks"),
]

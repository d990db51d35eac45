from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("scorecards/", views.my_scorecards, name="my_scorecards"),
    path("scorecards/<int:pk>/", views.scorecard_edit, name="scorecard"),
    path("scorecards/<int:pk>/revise/", views.scorecard_revise, name="scorecard_revise"),
    path(
        "applications/<int:application_pk>/scorecards/start/", views.scorecard_start, name="scorecard_start"
    ),
    path("applications/<int:pk>/assessment/", views.summary, name="summary"),
]

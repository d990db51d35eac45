from django.urls import path

from . import views

app_name = "decisions"

urlpatterns = [
    path("applications/<int:pk>/decision/", views.meeting, name="meeting"),
    path("applications/<int:pk>/decision/open/", views.meeting_open, name="open"),
    path("applications/<int:pk>/decision/vote/", views.vote, name="vote"),
    path("applications/<int:pk>/decision/decide/", views.decide, name="decide"),
    path("applications/<int:pk>/decision/swot/", views.swot, name="swot"),
]

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("applications/<int:pk>/reports/", views.report_list, name="list"),
    path("applications/<int:pk>/reports/request/", views.report_request, name="request"),
    path("reports/<int:pk>/", views.report_status, name="status"),
    path("reports/<int:pk>/status/", views.report_status_fragment, name="status_fragment"),
    path("reports/<int:pk>/download/", views.report_download, name="download"),
    path("reports/<int:pk>/retry/", views.report_retry, name="retry"),
    path("reports/verify/", views.verify, name="verify"),
    path("mandates/<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("mandates/<slug:slug>/compare/", views.compare, name="compare"),
    path("mandates/<slug:slug>/shortlists/", views.shortlist_list, name="shortlist_list"),
    path("mandates/<slug:slug>/shortlists/request/", views.shortlist_request, name="shortlist_request"),
    path("shortlists/<int:pk>/", views.shortlist_status, name="shortlist_status"),
    path("shortlists/<int:pk>/status/", views.shortlist_status_fragment, name="shortlist_status_fragment"),
    path("shortlists/<int:pk>/download/", views.shortlist_download, name="shortlist_download"),
    path("shortlists/<int:pk>/retry/", views.shortlist_retry, name="shortlist_retry"),
]

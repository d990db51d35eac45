from django.urls import path

from . import views

app_name = "candidates"

urlpatterns = [
    path("", views.mandate_list, name="mandate_list"),
    path("mandates/<slug:slug>/", views.pipeline, name="pipeline"),
    path("mandates/<slug:slug>/pipeline/<slug:column>/", views.pipeline_column, name="pipeline_column"),
    path("mandates/<slug:slug>/candidates/new/", views.candidate_create, name="candidate_create"),
    path("mandates/<slug:slug>/import/", views.candidate_import, name="import"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("imports/<int:pk>/confirm/", views.import_job_confirm, name="import_job_confirm"),
    path("mandates/<slug:slug>/export/", views.candidate_export, name="export"),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/status/", views.export_job_status, name="export_job_status"),
    path("exports/<int:pk>/download/", views.export_job_download, name="export_job_download"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/edit/", views.candidate_edit, name="candidate_edit"),
    path("candidates/<int:pk>/cv/", views.candidate_cv, name="candidate_cv"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/move/", views.application_move, name="application_move"),
]

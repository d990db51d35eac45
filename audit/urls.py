from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("candidates/<int:pk>/access-export/", views.access_export_request, name="access_export_request"),
    path("access-exports/<int:pk>/", views.access_export, name="access_export"),
    path("access-exports/<int:pk>/status/", views.access_export_status, name="access_export_status"),
    path("access-exports/<int:pk>/download/", views.access_export_download, name="access_export_download"),
    path("audit/reads/", views.journal, name="journal"),
]

from django.urls import path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("applications/<int:application_pk>/start-kit/", views.kit_page, name="kit"),
    path("start-kits/compatibility/", views.compatibility_page, name="compatibility"),
    path("start-kits/<int:pk>/plan/add/", views.plan_line_add, name="plan_add"),
    path("start-kits/<int:pk>/plan/<int:line_pk>/", views.plan_line_edit, name="plan_line"),
    path("start-kits/<int:pk>/charter/", views.charter_edit, name="charter"),
    path("start-kits/<int:pk>/charter/sign/", views.charter_sign, name="charter_sign"),
    path("start-kits/<int:pk>/share/", views.kit_share, name="share"),
    path("start-kits/<int:pk>/start-date/", views.start_date, name="start_date"),
    path("start-kits/<int:pk>/check-in/<int:milestone>/", views.check_in, name="check_in"),
    path("start-kits/<int:pk>/pdf/", views.kit_pdf_request, name="pdf_request"),
    path("start-kit-pdfs/<int:pk>/download/", views.kit_pdf_download, name="pdf_download"),
    path("start-kit-pdfs/<int:pk>/retry/", views.kit_pdf_retry, name="pdf_retry"),
    path("start-kit/<str:token>/", views.cso_kit, name="cso_kit"),
]

from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("applications/<int:pk>/offer/", views.offer_page, name="offer"),
    path("applications/<int:pk>/offer/approvers/", views.offer_approvers, name="offer_approvers"),
    path("applications/<int:pk>/offer/submit/", views.offer_submit, name="offer_submit"),
    path("applications/<int:pk>/offer/decide/", views.offer_decide, name="offer_decide"),
    path("applications/<int:pk>/offer/withdraw/", views.offer_withdraw, name="offer_withdraw"),
    path("applications/<int:pk>/offer/respond/", views.offer_respond, name="offer_respond"),
]

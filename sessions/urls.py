from django.urls import path

from . import notice_views, todo_views, views

app_name = "working_sessions"

urlpatterns = [
    path("applications/<int:application_pk>/sessions/", views.application_sessions, name="application"),
    path("sessions/mine/", views.my_sessions, name="mine"),
    path("sessions/<int:pk>/", views.session_detail, name="detail"),
    path("sessions/<int:pk>/invitation.ics", views.session_ics, name="ics"),
    path("sessions/<int:pk>/plan/", views.session_plan, name="plan"),
    path("sessions/<int:pk>/plan/files/", views.briefing_file_upload, name="briefing_upload"),
    path("briefing-files/<int:pk>/", views.briefing_file_download, name="briefing_file"),
    path("briefing-files/<int:pk>/delete/", views.briefing_file_delete, name="briefing_delete"),
    path("sessions/<int:session_pk>/observe/", views.observation_start, name="observation_start"),
    path("sessions/<int:session_pk>/debrief/", views.ceo_debrief, name="ceo_debrief"),
    path("observations/<int:pk>/", views.observation_edit, name="observation"),
    path("observations/<int:pk>/tally/", views.observation_tally, name="observation_tally"),
    path("observations/<int:pk>/autosave/", views.observation_autosave, name="observation_autosave"),
    path("observations/<int:pk>/incidents/", views.incident_add, name="incident_add"),
    path("observations/<int:pk>/revise/", views.observation_revise, name="observation_revise"),
    path("incidents/<int:pk>/delete/", views.incident_delete, name="incident_delete"),
    path("debrief/<str:token>/", views.candidate_debrief, name="candidate_debrief"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("todo/", todo_views.todo_page, name="todo"),
    path("notice/<str:token>/", notice_views.notice_page, name="notice"),
    path("applications/<int:application_pk>/notice/send/", notice_views.notice_send, name="notice_send"),
    path("applications/<int:application_pk>/notice/paper/", notice_views.notice_paper, name="notice_paper"),
]

from django.urls import path

from fangkong.inspections import patrol_views, public_views, views, visit_views

app_name = "inspections"
urlpatterns = [
    path("", views.firm_list, name="firm_list"),
    path("firms/new/", views.firm_new, name="firm_new"),
    path("firms/<int:pk>/", views.firm_detail, name="firm_detail"),
    path("firms/<int:pk>/status/", views.firm_status, name="firm_status"),
    path("firms/<int:pk>/apply/", views.firm_apply, name="firm_apply"),
    path("firms/<int:pk>/link/", views.firm_link, name="firm_link"),
    path("firms/<int:pk>/staff/", views.firm_staff, name="firm_staff"),
    path("p/apply/<str:token>/", public_views.public_apply, name="public_apply"),
    path("firms/<int:pk>/call/", views.call_record, name="call_record"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:pk>/decide/", views.application_decide, name="application_decide"),
    path("calls/", views.call_list, name="call_list"),
    path("duplicates/", views.duplicate_list, name="duplicate_list"),
    path("duplicates/<int:pk>/", views.duplicate_decide, name="duplicate_decide"),
    path("boundary/", views.boundary, name="boundary"),
    path("counts/", views.counts, name="counts"),
    path("export/<slug:kind>.xlsx", views.export_list, name="export"),
    path("firms/<int:pk>/escalate/", views.firm_escalate, name="firm_escalate"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("patrols/", patrol_views.patrol_list, name="patrol_list"),
    path("patrols/teams/new/", patrol_views.patrol_team_new, name="patrol_team_new"),
    path("patrols/teams/<int:pk>/", patrol_views.patrol_team, name="patrol_team"),
    path("patrols/rounds/new/", patrol_views.patrol_round_new, name="patrol_round_new"),
    path("patrols/rounds/<int:pk>/", patrol_views.patrol_round, name="patrol_round"),
    path("visits/", visit_views.visit_list, name="visit_list"),
    path("visits/new/", visit_views.visit_new, name="visit_new"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/step/<int:step>/", visit_views.visit_step, name="visit_step"),
    path("visits/<int:pk>/photos/<int:photo_id>.jpg", visit_views.visit_photo, name="visit_photo"),
]

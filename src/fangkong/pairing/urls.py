from django.urls import path

from fangkong.pairing import views

app_name = "pairing"
urlpatterns = [
    path("", views.board, name="board"),
    path("points/sync/", views.sync_points, name="sync_points"),
    path("points/add-unit/", views.add_unit, name="add_unit"),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path("pairings/<int:pk>/", views.pairing_edit, name="pairing_edit"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/status/", views.task_status, name="task_status"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("branch/", views.branch, name="branch"),
    path("optimiser/", views.optimiser, name="optimiser"),
    path("optimiser/settings/", views.optimiser_settings, name="optimiser_settings"),
    path("optimiser/<int:pk>/", views.proposal_detail, name="proposal"),
    path("buildings/", views.buildings, name="buildings"),
    path("buildings/<int:pk>/qr.svg", views.building_qr, name="building_qr"),
    path("buildings/<int:pk>/poster/", views.building_poster, name="poster"),
    path("checkin/b/<int:pk>/", views.checkin, name="checkin"),
    path("rounds/", views.rounds, name="rounds"),
    path("rosters/", views.rosters, name="rosters"),
    path("rosters/setup/", views.roster_setup, name="roster_setup"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster"),
    path("rosters/people/<int:pk>/", views.duty_person, name="duty_person"),
    path("ical/<str:token>.ics", views.ical, name="ical"),
]

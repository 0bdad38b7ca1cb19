from django.urls import path

from fangkong.returnees import views

app_name = "returnees"
urlpatterns = [
    path("", views.board, name="board"),
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/new/", views.declaration_new, name="declaration_new"),
    path("declarations/poster/", views.declaration_poster, name="declaration_poster"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration_detail"),
    path(
        "declarations/<int:pk>/resolve-duplicate/",
        views.declaration_resolve_duplicate,
        name="declaration_resolve_duplicate",
    ),
    path("declarations/<int:pk>/isolate/", views.declaration_isolate, name="declaration_isolate"),
    path("amendments/", views.amendment_list, name="amendment_list"),
    path("amendments/<int:pk>/", views.amendment_detail, name="amendment_detail"),
    path("isolations/", views.isolation_list, name="isolation_list"),
    path("isolations/<int:pk>/", views.isolation_detail, name="isolation_detail"),
    path("isolations/<int:pk>/<str:action>/", views.isolation_action, name="isolation_action"),
    path("referrals/<int:pk>/outcome/", views.referral_outcome, name="referral_outcome"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("venues/<int:pk>/suspend/", views.venue_suspend, name="venue_suspend"),
    path("venues/<int:pk>/poster/", views.venue_poster, name="venue_poster"),
    # Public mobile pages: no account.
    path("p/declare/<int:subdistrict_id>/", views.public_declare, name="public_declare"),
    path("p/declare/<int:subdistrict_id>/compounds/", views.public_compounds, name="public_compounds"),
    path("p/declare/<int:subdistrict_id>/buildings/", views.public_buildings, name="public_buildings"),
    path("p/r/<str:token>/", views.public_report, name="report"),
    path("p/v/<str:code>/", views.public_checkin, name="checkin"),
]

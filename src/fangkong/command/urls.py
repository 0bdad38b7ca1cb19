from django.urls import path

from fangkong.command import report_views, views

app_name = "command"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/<str:key>/", views.figure, name="figure"),
    path("reports/", report_views.report_list, name="reports"),
    path("bulletin/", report_views.bulletin, name="bulletin"),
    path("reports/generate/", report_views.report_generate, name="report_generate"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/<str:fmt>/", report_views.report_file, name="report_file"),
]

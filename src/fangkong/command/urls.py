from django.urls import path

from fangkong.command import bulletin_views, district_views, report_views, views

app_name = "command"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/<str:key>/", views.figure, name="figure"),
    path("district/", district_views.district, name="district"),
    path("district/report.<str:fmt>", district_views.district_report, name="district_report"),
    path("reports/", report_views.report_list, name="reports"),
    path("bulletin/", report_views.bulletin, name="bulletin"),
    path("bulletins/", bulletin_views.bulletin_list, name="bulletins"),
    path("bulletins/draft/", bulletin_views.bulletin_draft, name="bulletin_draft"),
    path("bulletins/<int:pk>/", bulletin_views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/edit/", bulletin_views.bulletin_edit, name="bulletin_edit"),
    path("bulletins/<int:pk>/recompose/", bulletin_views.bulletin_recompose, name="bulletin_recompose"),
    path("bulletins/<int:pk>/publish/", bulletin_views.bulletin_publish, name="bulletin_publish"),
    path("bulletins/<int:pk>/stories/", bulletin_views.bulletin_story_add, name="bulletin_story_add"),
    path(
        "bulletins/<int:pk>/stories/<int:story>/remove/",
        bulletin_views.bulletin_story_remove,
        name="bulletin_story_remove",
    ),
    path(
        "bulletins/<int:pk>/stories/<int:story>/photo.jpg",
        bulletin_views.bulletin_story_photo,
        name="bulletin_story_photo",
    ),
    path("bulletins/<int:pk>/<str:fmt>/", bulletin_views.bulletin_file, name="bulletin_file"),
    path("reports/generate/", report_views.report_generate, name="report_generate"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/<str:fmt>/", report_views.report_file, name="report_file"),
]

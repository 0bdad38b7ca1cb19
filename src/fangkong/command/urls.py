from django.urls import path

from fangkong.command import views

app_name = "command"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/<str:key>/", views.figure, name="figure"),
]

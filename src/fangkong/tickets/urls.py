from django.urls import path

from fangkong.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/consent/", views.consent, name="consent"),
    path("<int:pk>/flats/", views.flats, name="flats"),
    path("<int:pk>/photo/", views.photo, name="photo"),
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/kit/", views.kit, name="kit"),
    path("units/<int:pk>/service/", views.service, name="service"),
    path("units/<int:pk>/member/", views.member, name="member"),
    path("units/<int:pk>/roster/", views.roster, name="roster"),
    path("performance/", views.performance, name="performance"),
    path("poster/", views.poster, name="poster"),
    path("my-duty/", views.my_duty, name="my_duty"),
    path("report/<int:subdistrict_id>/", views.public_report, name="public_report"),
]

from django.urls import path

from fangkong.care import views

app_name = "care"
urlpatterns = [
    path("", views.register, name="register"),
    path("candidates/", views.candidates, name="candidates"),
    path("missed/", views.missed, name="missed"),
    path("people/<int:pk>/", views.record_detail, name="record_detail"),
    path("people/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("people/<int:pk>/deliver/", views.delivery_new, name="delivery_new"),
]

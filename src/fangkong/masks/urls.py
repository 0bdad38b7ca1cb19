from django.urls import path

from fangkong.masks import views

app_name = "masks"
urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/do/<str:action>/", views.round_action, name="round_action"),
    path("rounds/<int:pk>/bookings/", views.bookings, name="bookings"),
    path("rounds/<int:pk>/desk/", views.desk, name="desk"),
    path("rounds/<int:pk>/desk/book/", views.desk_book, name="desk_book"),
    path("rounds/<int:pk>/ledger/", views.ledger, name="ledger"),
    path("rounds/<int:pk>/poster/", views.poster, name="poster"),
    path("bookings/<int:pk>/review/", views.review, name="review"),
    path("pickup/", views.pickup, name="pickup"),
    path("voucher/<str:number>/", views.voucher, name="voucher"),
    path("b/<str:number>/<str:token>/", views.my_booking, name="my_booking"),
    path("r/<int:pk>/", views.public_book, name="public_book"),
    path("r/<int:pk>/options/<str:level>/", views.public_options, name="public_options"),
    path("r/<int:pk>/lookup/", views.public_lookup, name="public_lookup"),
    path("r/<int:pk>/lottery/", views.public_lottery, name="public_lottery"),
]

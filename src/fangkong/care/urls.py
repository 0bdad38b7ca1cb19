from django.urls import path

from fangkong.care import briefing_views, liangxin_views, views, volunteer_views

app_name = "care"
urlpatterns = [
    path("", views.register, name="register"),
    path("candidates/", views.candidates, name="candidates"),
    path("missed/", views.missed, name="missed"),
    path("people/<int:pk>/", views.record_detail, name="record_detail"),
    path("people/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("people/<int:pk>/deliver/", views.delivery_new, name="delivery_new"),
]
urlpatterns += [
    path("donations/", views.donations, name="donations"),
    path("donations/new/", views.donation_new, name="donation_new"),
    path("donations/<int:pk>/", views.donation_detail, name="donation_detail"),
    path("donations/<int:pk>/receipt/", views.donation_receipt, name="donation_receipt"),
    path("donation-items/<int:pk>/distribute/", views.distribute, name="distribute"),
    path("donation-items/<int:pk>/to-mask-stock/", views.masks_to_stock, name="masks_to_stock"),
]
urlpatterns += [path("materials/", views.materials, name="materials")]

urlpatterns += [
    path("volunteer/<int:subdistrict_id>/", volunteer_views.public_volunteer, name="public_volunteer"),
    path("volunteers/", volunteer_views.volunteers, name="volunteers"),
    path("volunteers/poster/", volunteer_views.poster, name="volunteer_poster"),
    path("volunteers/signups/<int:pk>/", volunteer_views.signup_detail, name="signup_detail"),
    path("volunteers/duty/", volunteer_views.duty, name="volunteer_duty"),
    path("volunteers/today/", volunteer_views.today, name="volunteer_today"),
    path("volunteers/hours.xlsx", volunteer_views.hours_xlsx, name="volunteer_hours_xlsx"),
]
urlpatterns += [
    path("briefings/", briefing_views.briefings, name="briefings"),
    path("briefings/new/", briefing_views.briefing_new, name="briefing_new"),
    path("briefings/<int:pk>/", briefing_views.briefing_detail, name="briefing_detail"),
    path("briefings/<int:pk>/poster/", briefing_views.briefing_poster, name="briefing_poster"),
    path("briefing/<str:code>/", briefing_views.public_briefing, name="public_briefing"),
]
urlpatterns += [
    path("liangxin/", liangxin_views.liangxin, name="liangxin"),
    path("liangxin/<int:pk>/", liangxin_views.liangxin_detail, name="liangxin_detail"),
]

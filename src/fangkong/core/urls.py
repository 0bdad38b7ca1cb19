from django.contrib.auth import views as auth_views
from django.urls import path

from fangkong.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="core/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"),
        name="password_change_done",
    ),
    path("accounts/<int:pk>/unlock/", views.account_unlock, name="account_unlock"),
    path("audit/", views.audit_log, name="audit_log"),
    path("policies/", views.policies, name="policies"),
    path("reveal/<str:label>/<int:pk>/<str:field>/", views.reveal, name="reveal"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from fangkong.core import account_views, inbox_views, views

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
    path("accounts/users/", account_views.account_list, name="accounts"),
    path("accounts/users/new/", account_views.account_create, name="account_create"),
    path("accounts/users/<int:pk>/", account_views.account_edit, name="account_edit"),
    path("accounts/users/<int:pk>/active/", account_views.account_active, name="account_active"),
    path("audit/", views.audit_log, name="audit_log"),
    path("policies/", views.policies, name="policies"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/badge/", inbox_views.inbox_badge, name="inbox_badge"),
    path("inbox/read/", inbox_views.inbox_read, name="inbox_read"),
    path("jobs/", inbox_views.jobs_page, name="jobs"),
    path("jobs/run/<str:name>/", inbox_views.job_run, name="job_run"),
    path("jobs/deliveries/<int:pk>/retry/", inbox_views.delivery_retry, name="delivery_retry"),
    path("reveal/<str:label>/<int:pk>/<str:field>/", views.reveal, name="reveal"),
]

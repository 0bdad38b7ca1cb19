from django.urls import path

from fangkong.core import io_views

app_name = "io"

urlpatterns = [
    path("", io_views.index, name="index"),
    path("<slug:slug>/import/", io_views.import_start, name="import"),
    path("<slug:slug>/import/<str:token>/", io_views.preview, name="preview"),
    path("<slug:slug>/import/<str:token>/commit/", io_views.commit, name="commit"),
    path("<slug:slug>/import/<str:token>/done/", io_views.done, name="done"),
    path("<slug:slug>/export.xlsx", io_views.export, name="export"),
    path("<slug:slug>/template.xlsx", io_views.template, name="template"),
    path("tasks/<uuid:pk>/", io_views.task_page, name="task"),
    path("tasks/<uuid:pk>/download/", io_views.export_download, name="export_download"),
]

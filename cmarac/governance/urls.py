from django.urls import path

from cmarac.governance.views import retention as retention_views
from cmarac.governance.views import sharing as sharing_views
from cmarac.governance.views import subject_access as subject_access_views

app_name = "governance"

urlpatterns: list = [
    path("subject-access/", subject_access_views.subject_access_search, name="subject_access_search"),
    path(
        "subject-access/exports/new/",
        subject_access_views.subject_access_export_create,
        name="subject_access_export_create",
    ),
    path("subject-access/exports/", subject_access_views.subject_access_exports, name="subject_access_exports"),
    path(
        "subject-access/exports/<uuid:export_id>/",
        subject_access_views.subject_access_export,
        name="subject_access_export",
    ),
    path(
        "subject-access/exports/<uuid:export_id>/<slug:kind>/",
        subject_access_views.subject_access_export_download,
        name="subject_access_export_download",
    ),
    path("sharing/", sharing_views.sharing, name="sharing"),
    path("retention/", retention_views.retention_queue_page, name="retention_queue"),
    path("retention/<str:kind>/<str:reference>/hold/", retention_views.retention_hold_page, name="retention_hold"),
    path(
        "retention/<str:kind>/<str:reference>/release/",
        retention_views.retention_release_page,
        name="retention_release",
    ),
]

from django.urls import path

from cmarac.governance import retention_views

app_name = "governance"

urlpatterns = [
    path("retention/", retention_views.retention_queue_page, name="retention_queue"),
    path("retention/<str:kind>/<str:reference>/hold/", retention_views.retention_hold_page, name="retention_hold"),
    path(
        "retention/<str:kind>/<str:reference>/release/",
        retention_views.retention_release_page,
        name="retention_release",
    ),
]

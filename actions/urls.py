from django.urls import path

from actions import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("export.csv", views.action_log_export, name="export"),
    path("new/<str:reference>/", views.action_new, name="new"),
    path("<int:action_id>/", views.action_detail, name="detail"),
    path("<int:action_id>/review/", views.action_review, name="review"),
]

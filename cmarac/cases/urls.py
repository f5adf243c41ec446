from django.urls import path

from cmarac.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("export.csv", views.case_export, name="export"),
    path("new/", views.case_create, name="create"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/close/", views.case_close, name="close"),
    path("<str:reference>/reopen/", views.case_reopen, name="reopen"),
    path("<str:reference>/subjects/add/", views.subject_add, name="subject-add"),
    path("<str:reference>/subjects/<int:subject_id>/edit/", views.subject_edit, name="subject-edit"),
    path("<str:reference>/subjects/<int:subject_id>/remove/", views.subject_remove, name="subject-remove"),
]

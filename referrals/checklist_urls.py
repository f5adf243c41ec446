"""Risk checklist versions, under Manage (/manage/checklists/): see referrals/views/checklists.py."""

from django.urls import path

from referrals.views import checklists as views

app_name = "checklists"

urlpatterns = [
    path("", views.checklist_list, name="list"),
    path("new/", views.checklist_new, name="new"),
    path("<int:pk>/", views.checklist_version, name="version"),
    path("<int:pk>/thresholds/", views.checklist_thresholds, name="thresholds"),
    path("<int:pk>/questions/add/", views.checklist_question, name="question-add"),
    path("<int:pk>/questions/<int:question>/", views.checklist_question, name="question"),
    path("<int:pk>/questions/<int:question>/remove/", views.checklist_question_remove, name="question-remove"),
    path("<int:pk>/questions/<int:question>/move/", views.checklist_question_move, name="question-move"),
    path("<int:pk>/publish/", views.checklist_publish, name="publish"),
    path("<int:pk>/discard/", views.checklist_discard, name="discard"),
]

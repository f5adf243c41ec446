from django.urls import path

from referrals.views import form as views_form
from referrals.views import triage as views_triage

app_name = "referrals"

urlpatterns = [
    path("", views_triage.triage_list, name="list"),
    path("export.csv", views_triage.triage_export, name="export"),
    path("mine/", views_form.my_referrals, name="mine"),
    path("mine/export.csv", views_form.my_referrals_export, name="mine-export"),
    path("new/", views_form.referral_new, name="new"),
    path("<str:referral>/", views_form.referral_detail, name="detail"),
    path("<str:referral>/subjects/", views_form.subject_list, name="subjects"),
    path("<str:referral>/subjects/add/", views_form.subject_edit, name="subject-add"),
    path("<str:referral>/subjects/<int:subject_id>/", views_form.subject_edit, name="subject-edit"),
    path("<str:referral>/subjects/<int:subject_id>/remove/", views_form.subject_remove, name="subject-remove"),
    path("<str:referral>/check/", views_form.check_answers, name="check"),
    path("<str:referral>/submitted/", views_form.submitted, name="submitted"),
    path("<str:referral>/triage/", views_triage.triage_detail, name="triage"),
    path("<str:referral>/<slug:section>/", views_form.section_edit, name="section"),
]

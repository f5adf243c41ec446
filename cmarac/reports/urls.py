from django.urls import path

from cmarac.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report, name="report"),
    path("report.pdf", views.report_pdf, name="pdf"),
    path("<slug:key>.csv", views.report_csv, name="csv"),
]

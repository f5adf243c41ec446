from django.contrib import admin
from django.urls import include, path

from cmarac.accounts.second_factor_middleware import second_factor_not_required
from cmarac.accounts.sessions import session_keep_alive, session_timed_out
from cmarac.accounts.views import account as views_account
from cmarac.accounts.views import password as views_password
from cmarac.accounts.views.sign_in import SignInView, sign_out
from cmarac.web import views as web_views
from cmarac.web.bench.views import bench_reference

admin.site.site_header = "CMARAC case manager administration"
admin.site.site_title = "CMARAC administration"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-in/reset/", views_password.password_reset, name="password-reset"),
    path("sign-in/reset/sent/", views_password.password_reset_done, name="password-reset-done"),
    path(
        "sign-in/reset/<uidb64>/<token>/",
        views_password.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path("account/", views_account.account, name="account"),
    path("account/password/", views_password.PasswordChange.as_view(), name="password-change"),
    path("sign-out/", second_factor_not_required(sign_out), name="logout"),
    path("second-factor/", include("cmarac.accounts.second_factor_urls")),
    path("second-factor/passkeys/", include("cmarac.accounts.views.passkeys")),
    path("session/keep-alive/", session_keep_alive, name="session-keep-alive"),
    path("session/timed-out/", session_timed_out, name="session-timed-out"),
    path("accessibility/", web_views.accessibility, name="accessibility"),
    path("healthz", web_views.healthz, name="healthz"),
    path("bench/reference/", bench_reference, name="bench-reference"),  # 404 unless settings.BENCH
    path("cases/", include("cmarac.cases.urls")),
    path("audit/", include("cmarac.audit.urls")),
    path("governance/", include("cmarac.governance.urls")),
    path("referrals/", include("referrals.urls")),
    path("meetings/", include("meetings.urls")),
    path("actions/", include("actions.urls")),
    path("reports/", include("cmarac.reports.urls")),
    path("manage/checklists/", include("referrals.checklist_urls")),
    # Before the people and agencies pages' own "manage/" (whose index it replaces): the Manage page.
    path("manage/", web_views.manage, name="manage-hub"),
    path("manage/", include("cmarac.accounts.manage_urls")),
    path("admin/", admin.site.urls),
]

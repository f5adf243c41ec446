from django.urls import path

from cmarac.accounts.views import second_factor as views

app_name = "second_factor"
urlpatterns = [
    path("", views.verify, name="verify"),
    path("set-up/", views.set_up, name="set_up"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("recovery-codes/new/", views.recovery_codes_new, name="recovery_codes_new"),
    path("your-devices/", views.account, name="account"),
    path("your-devices/<str:kind>/<int:device_id>/remove/", views.device_remove, name="device_remove"),
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/reset/", views.reset, name="reset"),
]

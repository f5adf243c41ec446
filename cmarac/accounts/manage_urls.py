from django.urls import path
from django.views.generic import RedirectView

from cmarac.accounts.views import manage_agencies, manage_people

app_name = "manage"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="manage:people"), name="index"),
    path("people/", manage_people.people, name="people"),
    path("people/invite/", manage_people.person_invite, name="person-invite"),
    path("people/<int:pk>/", manage_people.person_detail, name="person"),
    path("people/<int:pk>/edit/", manage_people.person_edit, name="person-edit"),
    path("people/<int:pk>/deactivate/", manage_people.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", manage_people.person_reactivate, name="person-reactivate"),
    path("people/<int:pk>/reset-link/", manage_people.person_send_reset, name="person-reset-link"),
    path("people/<int:pk>/roles/add/", manage_people.role_propose, name="role-propose"),
    path("people/<int:pk>/roles/<str:role>/remove/", manage_people.role_remove, name="role-remove"),
    path("role-requests/", manage_people.role_requests, name="role-requests"),
    path("role-requests/<int:pk>/", manage_people.role_request_decide, name="role-decide"),
    path("agency-changes/", manage_people.agency_moves, name="agency-moves"),
    path("agencies/", manage_agencies.agencies, name="agencies"),
    path("agencies/add/", manage_agencies.agency_add, name="agency-add"),
    path("agencies/<int:pk>/", manage_agencies.agency_detail, name="agency"),
    path("agencies/<int:pk>/edit/", manage_agencies.agency_edit, name="agency-edit"),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from inspection.api import api
from inspection.security.signin import SignInForm
from inspection.web import offline, public, verify, views, visit_codes

admin.site.site_header = "暗查 · 管理后台"
admin.site.site_title = "暗查"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("inspection.web.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("verify/<str:code>", verify.verify_page, name="verify"),
    path("public/<str:county>/", public.public_page, name="public"),
    path("visit/check/", visit_codes.check_page, name="visit_check"),
    path("inspector/", include("inspection.web.inspector")),
    path("sw.js", offline.service_worker, name="service_worker"),  # at the root, to control /inspector/
]

handler400 = "inspection.security.errors.bad_request"
handler403 = "inspection.security.errors.permission_denied"
handler404 = "inspection.security.errors.page_not_found"
handler500 = "inspection.security.errors.server_error"

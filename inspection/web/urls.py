"""The web pages (namespace "web"); home, sign-in and the language switch are in inspection/urls.py."""

from django.urls import path

from inspection.web import draws, inspections, ledger, notices, townships

app_name = "web"

urlpatterns = [
    path("townships/", townships.township_list, name="townships"),
    path("townships/<str:code>/", townships.township_detail, name="township"),
    path("my-township/", townships.my_township, name="my_township"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection"),
    path("notices/", notices.notice_list, name="notices"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice"),
    path("draws/", draws.draw_list, name="draws"),
    path("draws/<str:week>/", draws.draw_detail, name="draw"),
    path("ledger/", ledger.ledger_page, name="ledger"),
]

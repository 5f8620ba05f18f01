"""The web pages (namespace "web"); home, sign-in and the language switch are in ancha/urls.py."""

from django.urls import path

from inspection.web import (
    audit,
    calendar,
    draws,
    inspections,
    ledger,
    notices,
    reports,
    summary,
    tokens,
    townships,
    visit_codes,
    visits,
)

app_name = "web"

urlpatterns = [
    path("townships/", townships.township_list, name="townships"),
    path("townships/<str:code>/", townships.township_detail, name="township"),
    path("my-township/", townships.my_township, name="my_township"),
    path("my-township/confirm-visit/", visit_codes.confirm_form, name="visit_confirm"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/missed/", visits.inspection_missed, name="inspection_missed"),
    path("inspections/<int:pk>/cancel/", visits.inspection_cancel, name="inspection_cancel"),
    path("notices/", notices.notice_list, name="notices"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice"),
    path("notices/<int:pk>/issue/", notices.notice_issue, name="notice_issue"),
    path("notices/<int:pk>/edit/", notices.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/void/", notices.notice_void, name="notice_void"),
    path("notices/<int:pk>/acknowledge/", notices.notice_acknowledge, name="notice_acknowledge"),
    path("notices/<int:pk>/respond/", notices.notice_respond, name="notice_respond"),
    path("notices/<int:pk>/responses/<int:response_id>/review/", notices.response_review, name="response_review"),
    path("notices/circular/", notices.circular_draft, name="circular_draft"),
    path("draws/", draws.draw_list, name="draws"),
    path("draws/seal/", draws.draw_seal, name="draw_seal"),
    path("draws/<str:week>/", draws.draw_detail, name="draw"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/add/", calendar.calendar_add, name="calendar_add"),
    path("calendar/<int:pk>/remove/", calendar.calendar_remove, name="calendar_remove"),
    path("ledger/", ledger.ledger_page, name="ledger"),
    path("summary/", summary.summary_page, name="summary"),
    path("audit/", audit.audit_log, name="audit"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/new/", reports.report_new, name="report_new"),
    path("reports/roles/", reports.report_roles, name="report_roles"),
    path("reports/<int:pk>/", reports.report_detail, name="report"),
    path("reports/<int:pk>/letter/", reports.report_letter, name="report_letter"),
    path("reports/<int:pk>/letter/issue/", reports.report_letter_issue, name="report_letter_issue"),
    path("notifications/", reports.notifications, name="notifications"),
    path("tokens/", tokens.my_tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.revoke_my_token, name="token_revoke"),
    path("county/tokens/", tokens.county_token_list, name="county_tokens"),
    path("county/tokens/<int:pk>/revoke/", tokens.revoke_county_token, name="county_token_revoke"),
]

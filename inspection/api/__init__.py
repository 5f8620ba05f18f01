"""The one NinjaAPI at /api/v1/ (DESIGN.md §4): built here, with its error replies, and each area's
router (one module per area) added here, one line each. What the routers share is in `common`."""

from django.contrib.auth.decorators import login_required
from ninja.errors import AuthenticationError, HttpError, ValidationError

from inspection.api import (
    auth, draws, exports, files, inspections, ledger, notices, objections, operations, privacy, public, reports,
    townships, verify, visit_codes,
)
from inspection.api.validation import chinese_errors, chinese_http_message
from inspection.errors import InspectionError
from inspection.security.log import security_event
from inspection.security.openapi import DocumentedErrorsAPI, LocalSwagger
from inspection.services.stored_files import DamagedArchiveCopy

api = DocumentedErrorsAPI(  # a NinjaAPI whose schema documents the shared error replies
    title="Ancha 暗查 API",
    version="1",
    urls_namespace="api",
    auth=[auth.BearerAuth(), auth.SessionAuth()],
    docs=LocalSwagger(),
    docs_decorator=login_required,
)


@api.exception_handler(InspectionError)
def _domain_error(request, exc: InspectionError):
    return api.create_response(request, {"detail": exc.detail}, status=exc.status)


@api.exception_handler(DamagedArchiveCopy)
def _damaged_archive_copy(request, exc: DamagedArchiveCopy):
    security_event("archive.damaged", request=request, **exc.log_fields())
    return api.create_response(request, {"detail": exc.detail}, status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": "未登录或令牌无效"}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    return api.create_response(request, {"detail": chinese_errors(exc.errors)}, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": chinese_http_message(str(exc))}, status=exc.status_code)


api.add_router("/", auth.router)
api.add_router("/townships", townships.router)
api.add_router("/inspections", inspections.router)
api.add_router("/draws", draws.router)
api.add_router("/notices", notices.router)
api.add_router("/notices", files.router)  # report attachments, beside their notice
api.add_router("/notices", objections.router)  # 申辩 on a letter (issue 15), its own module
api.add_router("/ledger", ledger.router)
api.add_router("/verify", verify.router)
api.add_router("/public", public.router)
api.add_router("/visit-codes", visit_codes.router)
api.add_router("/privacy", privacy.router)
api.add_router("/reports", reports.router)
api.add_router("/", operations.router)
api.add_router("/exports", exports.router)

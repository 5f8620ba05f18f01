"""The public page /verify/<code>: is this notice ours? Anyone with the paper may ask.

It shows the number, kind, issuer, date, recipient township and the PDF's SHA-256, and
compares an uploaded PDF with the stored one byte for byte. If the stored copy is not the one
whose SHA-256 was recorded at issue, the page says the archive copy is damaged (not that the
paper is forged) and compares nothing. A code that belongs to no issued
notice gets the same answer whatever the reason, revealing nothing.
"""

from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from inspection.errors import InspectionError
from inspection.security.log import security_event
from inspection.services.verification import find_verifiable, matches_stored_pdf, public_facts, stored_pdf_damage
from inspection.uploads import read_limited
from inspection.web.forms import VerifyForm

MAX_UPLOAD = 20 * 1024 * 1024


@require_http_methods(["GET", "POST"])
def verify_page(request, code):
    notice = find_verifiable(code)
    if notice is None:
        return render(request, "verify/verify.html", {"facts": None}, status=404)
    context = {"facts": public_facts(notice), "comparison": None, "error": None, "archive_damaged": False}
    damage = stored_pdf_damage(notice)
    if damage is not None:  # the archive copy is at fault, not the paper: say so, compare nothing
        security_event("archive.damaged", request=request, **damage.log_fields())
        context["archive_damaged"] = True
    elif request.method == "POST":
        try:
            form = VerifyForm(request.POST, request.FILES)
            valid = form.is_valid()
        except MultiPartParserError:
            valid = False
        if not valid:
            context["error"] = VerifyForm.base_fields["file"].error_messages["required"]
        else:
            try:
                data = read_limited(form.upload(), max_bytes=MAX_UPLOAD)
            except InspectionError as exc:
                context["error"] = exc.detail
            else:
                context["comparison"] = "same" if matches_stored_pdf(notice, data) else "different"
    return render(request, "verify/verify.html", context, status=400 if context["error"] else 200)

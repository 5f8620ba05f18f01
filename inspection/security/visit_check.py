"""The public visit-code check (无扰督查), shared by the page /visit/check/ and the API: refused
while the address is throttled, and every invalid try counted against the address.

Only failures count (like the sign-in throttle): a clinic behind one shared address can check
genuine codes all day, while guessing the 50 bits of a code one wrong try at a time is slowed
to nothing after FREE_FAILURES within ANCHA_SIGNIN_WINDOW_MINUTES. A refused try is not counted.
"""

from django.urls import reverse

from inspection.errors import InspectionError
from inspection.security.log import security_event
from inspection.security.proxy import client_ip
from inspection.security.throttle import address_wait_seconds, count_address_failure, wait_text
from inspection.services.visit_codes import INVALID, CheckResult, VisitCode, check_code

SCOPE = "visitcode"
FREE_FAILURES = 10
THROTTLED = "核验失败次数过多，请 {wait}后再试。"


class CheckThrottled(InspectionError):
    status = 429


def checked(request, code: str) -> CheckResult:
    ip = client_ip(request)
    wait = address_wait_seconds(SCOPE, ip, free=FREE_FAILURES)
    if wait > 0:
        raise CheckThrottled(THROTTLED.format(wait=wait_text(wait)))
    result = check_code(code)
    if result.verdict == INVALID:
        count_address_failure(SCOPE, ip)
        # Operators only: an invalid code at a door may be someone posing as a team.
        security_event("visitcode.invalid", request=request)
    return result


def check_address(request) -> str:
    return request.build_absolute_uri(reverse("visit_check"))


def check_url(request, code: VisitCode) -> str:
    """The address the team's QR code opens: the public check page with the code filled in."""
    return f"{check_address(request)}?code={code.text}"

"""One family of domain errors; the API turns them into {"detail": ...} once, the web into messages."""


class InspectionError(Exception):
    status = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(InspectionError):
    """Also used for objects the caller may not see, so that existence does not leak."""

    status = 404


class Forbidden(InspectionError):
    status = 403


class Conflict(InspectionError):
    status = 409


class Unprocessable(InspectionError):
    status = 422


class TooLarge(InspectionError):
    status = 413

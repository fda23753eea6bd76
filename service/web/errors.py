"""The web pages' errors: a page that needs a sign-in, a sign-in that failed."""

from service.errors import Forbidden, Unauthorized


class SignInRequired(Unauthorized):
    """A page asked for without a live session: the browser is sent to the sign-in page."""

    def __init__(self) -> None:
        super().__init__("Sign in first.", error=None)


class SignInFailed(Unauthorized):
    """The token typed on the sign-in page is unknown, revoked or expired."""


class PageForbidden(Forbidden):
    """A signed-in person opened a page their role does not reach."""

    def __init__(self) -> None:
        super().__init__("Your role does not give access to this page.")

from service.errors import FieldProblem, Forbidden


class RoleTooLow(Forbidden):
    def __init__(self, needed: str) -> None:
        super().__init__(f"This needs the {needed} role or higher.")


class SetByRoutingOrSupervisors(Forbidden):
    """An adviser tried to set what only routing or a supervisor sets: it moves the figures."""

    def __init__(self, field: str) -> None:
        reason = "only routing or a supervisor sets this: it changes the queue and the figures"
        super().__init__(f"{field}: {reason}.", errors=[FieldProblem(field=field, reason=reason)])


class NotYourself(Forbidden):
    def __init__(self) -> None:
        super().__init__("An adviser's token can act only as that adviser.")


TELEPHONY_MAY = "post live calls, abandon them, set their priority and read the queue"


class TelephonyMayNot(Forbidden):
    """The phone system's token asked for an operation outside `TELEPHONY_OPERATIONS`."""

    def __init__(self) -> None:
        super().__init__(f"A telephony token (the phone system's) may only {TELEPHONY_MAY}.")


class TelephonyPostsLiveCalls(Forbidden):
    """The phone system posted a call that is answered or ended: a record, an adviser's."""

    def __init__(self, field: str) -> None:
        reason = "a telephony token posts live calls only: no answer or end yet"
        super().__init__(f"{field}: {reason}.", errors=[FieldProblem(field=field, reason=reason)])


class TelephonySetsPriorityOnly(Forbidden):
    """The phone system sent a change other than a waiting call's priority."""

    def __init__(self, field: str, *, waiting: bool = True) -> None:
        if waiting:
            reason = "a telephony token may change a call's priority only"
        else:
            reason = "a telephony token may change the priority of a waiting call only"
        super().__init__(f"{field}: {reason}.", errors=[FieldProblem(field=field, reason=reason)])


class TelephonyIsNoAdviser(Forbidden):
    """The phone system named an adviser: routing picks the adviser, and it is none."""

    def __init__(self) -> None:
        reason = "a telephony token names no adviser: routing picks who is offered the call"
        super().__init__(
            f"adviser_id: {reason}.", errors=[FieldProblem(field="adviser_id", reason=reason)]
        )


class CsrfRejected(Forbidden):
    """A change sent with a web page's session cookie but without the page's CSRF token."""

    slug = "csrf"
    title = "Missing or wrong CSRF token"

    def __init__(self) -> None:
        super().__init__(
            "The form or request did not carry this browser's CSRF token (the X-CSRF-Token "
            "header or the csrf_token field); reload the page."
        )

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

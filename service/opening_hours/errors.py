from service.errors import Conflict


class NeverOpens(Conflict):
    """The line has no opening hours within the horizon: a callback would never fall due."""

    slug = "never-opens"
    title = "The line does not open"

    def __init__(self, line: str, horizon_days: int) -> None:
        super().__init__(
            f"The line '{line}' does not open within {horizon_days} days (weekly hours, public "
            "holidays and closed days), so no callback can be scheduled.",
            extensions={"line": line},
        )

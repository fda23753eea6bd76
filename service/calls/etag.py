"""Optimistic concurrency for calls: an ETag from `version`, checked against If-Match."""

from service.calls.models import Call
from service.errors import PreconditionFailed


def etag(call: Call) -> str:
    """The call's current entity tag (strong: it changes with every stored change)."""
    return f'"{call.id}-{call.version}"'


def check_if_match(call: Call, if_match: str | None) -> None:
    """Refuse a change made from a copy that is no longer current (RFC 9110 If-Match)."""
    if if_match is None:
        return  # documented: without If-Match the change is made
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" not in tags and etag(call) not in tags:
        raise PreconditionFailed(
            "The call changed since you read it (If-Match no longer matches its ETag); read "
            "it again and reapply your change.",
            extensions={"etag": etag(call)},
        )

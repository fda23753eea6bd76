"""What the desk shows an adviser as, from what they said and what their calls are doing."""

from datetime import datetime

from service.advisers.models import Availability, Presence


def effective_presence(
    *,
    availability: Availability,
    on_call: int,
    offered: int,
    in_wrap_up: int,
    wrap_up_until: datetime | None,
    now: datetime,
) -> Presence:
    """Return the presence to show.

    Calls outrank what the adviser said: one who asked for a break while talking shows as
    on call until the call ends, then in wrap-up, and only then on break.
    """
    if on_call:
        return Presence.on_call
    if offered:
        return Presence.offered
    if in_wrap_up or (wrap_up_until is not None and wrap_up_until > now):
        return Presence.wrap_up
    return Presence(availability.value)

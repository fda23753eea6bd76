"""The adviser's desk page: presence, the offer, the call in hand, wrap-up, tasks, cases."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

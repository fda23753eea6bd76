"""The supervisor's wallboard: queues, advisers' presence, service level so far today."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

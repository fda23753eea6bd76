"""The weekly report page: charts, breakdowns, the publishable switch, downloads."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

"""A case's notes, referrals to the inspection and timeline."""

from service import api
from service.auth.dependencies import SIGNED_IN
from service.errors import problem_responses

router = api.router(tags=["cases"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403))

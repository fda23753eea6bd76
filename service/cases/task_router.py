"""Follow-up tasks of cases: `/cases/{id}/tasks` and the work list `/tasks`."""

from service import api
from service.auth.dependencies import SIGNED_IN
from service.errors import problem_responses

router = api.router(tags=["cases"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403))

"""Sign-in through the identity provider: the OpenID Connect code flow."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

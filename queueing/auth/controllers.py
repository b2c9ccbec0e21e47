"""HTTP handlers for staff sign-in."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, post
from litestar.exceptions import NotAuthorizedException
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from queueing.access.principal import Principal
from queueing.access.routes import ACCOUNT, PUBLIC
from queueing.auth.service import AuthService
from queueing.errors import TooManyAttempts


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = 0


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]
    opt = PUBLIC

    @post(
        "/token",
        status_code=HTTP_200_OK,
        summary="Sign in and get a bearer token",
        # A wrong username or password; a sign-in locked after repeated failures.
        raises=[NotAuthorizedException, TooManyAttempts],  # type: ignore[list-item]
    )
    async def token(self, data: TokenRequest, auth: AuthService, client: str) -> TokenResponse:
        """Exchange a staff or admin username and password for a bearer token."""
        token = await auth.issue_token(data.username, data.password, client)
        return TokenResponse(access_token=token, expires_in=auth.token_minutes * 60)

    @post(
        "/sign-out",
        status_code=HTTP_204_NO_CONTENT,
        summary="End every token of the signed-in account",
        security=[{"BearerToken": []}],
        opt=ACCOUNT,
    )
    async def sign_out(self, auth: AuthService, principal: Principal) -> None:
        """Sign out: this token and every other token of the account stop working at once."""
        await auth.sign_out(principal)

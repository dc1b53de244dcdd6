"""Log-in for the API (bearer token) and who-am-I. The web log-in form lives in ``hcm.web``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hcm.auth import service
from hcm.auth.security import issue_token
from hcm.auth.throttle import for_request as login_throttle
from hcm.deps import get_db
from hcm.policy import Permission, Principal, allow
from hcm.settings import get_settings

router = APIRouter(prefix="/api/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    user_id: int
    username: str
    role: str
    employee_id: int | None
    position_id: int | None


@router.post("/token", response_model=TokenOut)
def token(request: Request, username: str = Form(...), password: str = Form(...), db: Session = Depends(get_db),
          _: None = Depends(allow(Permission.PUBLIC))):
    """OAuth2 password flow: form fields ``username`` and ``password``. Failed attempts are limited per user name
    and per client (429 with Retry-After)."""
    throttle, client = login_throttle(request)
    user = service.authenticate(db, username=username, password=password, throttle=throttle, client=client)
    s = get_settings()
    return TokenOut(access_token=issue_token(user_id=user.id, role=user.role.value, secret=s.secret_key,
                                             ttl_minutes=s.token_ttl_minutes, token_version=user.token_version),
                    expires_in=s.token_ttl_minutes * 60)


class PasswordChangeIn(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


@router.post("/password", status_code=204, response_class=Response)
def change_password(body: PasswordChangeIn, request: Request, db: Session = Depends(get_db),
                    who: Principal = Depends(allow(Permission.AUTHENTICATED))):
    """Change your own password. Every session and bearer token you have ends, this one included: log in
    again with the new password."""
    throttle, client = login_throttle(request)
    service.change_password(db, user_id=who.user_id, current=body.current_password, new=body.new_password,
                            throttle=throttle, client=client)
    if "session" in request.scope:
        request.session.clear()
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(who: Principal = Depends(allow(Permission.AUTHENTICATED))):
    return MeOut(user_id=who.user_id, username=who.username, role=who.role.value, employee_id=who.employee_id,
                 position_id=who.position_id)

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return HTMLResponse(f"<h1>{status}</h1><p>{message}</p>", status_code=status)

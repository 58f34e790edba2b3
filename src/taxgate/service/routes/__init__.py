"""One module per stage: each holds the API routes (``/api/...``, JSON) and the console pages
for what a person does with that stage, each registered in ``service.app``."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, ValidationError

from taxgate.errors import OptionError

Model = TypeVar("Model", bound=BaseModel)


class ErrorBody(BaseModel):
    """Every refusal and failure: the same one line the CLI prints."""

    error: str


# Declared on every API route so OpenAPI documents the error body actually sent (FastAPI's
# own validation-error shape is never returned).
ERRORS: dict[int | str, dict[str, Any]] = {"4XX": {"model": ErrorBody}, 500: {"model": ErrorBody}}


def api_router() -> APIRouter:
    return APIRouter(prefix="/api", responses=ERRORS)


def page_router() -> APIRouter:
    return APIRouter(include_in_schema=False)


def validation_line(errors: Any) -> str:
    """Pydantic's validation errors as one line naming the field, like the CLI's."""
    first: dict[str, Any] = next(iter(errors), {})
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(where) or "request"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return " ".join(f"{field}: {first.get('msg', 'is not valid')}{more}".split())


def validated(model: type[Model], fields: dict[str, Any]) -> Model:
    """A console form's fields as the API's request model, or the same one-line error."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise OptionError(validation_line(exc.errors())) from None

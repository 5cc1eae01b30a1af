"""The base of the domain models: every change goes through `changed`, which validates it."""

from __future__ import annotations

from typing import Any, Self

from proofdesk.core.domain.errors import DomainError
from pydantic import BaseModel, ValidationError


class InvalidChange(DomainError, ValueError):
    """A change to a domain model names a field the model does not have, or gives a value it refuses."""


class DomainModel(BaseModel):
    """Base of the domain models: every change goes through `changed`, which validates it."""

    def changed(self, **fields: Any) -> Self:
        """A copy with `fields` replaced, validated like a new instance.

        An unknown field name is refused (a misspelt key would otherwise be dropped silently),
        and so is a value of the wrong type; model validators run on the result.
        """
        model = type(self)
        unknown = [name for name in fields if name not in model.model_fields]
        if unknown:
            raise InvalidChange(f"{model.__name__} has no field {', '.join(map(repr, unknown))}")
        try:
            return model.model_validate({**self.__dict__, **fields})
        except ValidationError as exc:
            raise InvalidChange(f"invalid change to {model.__name__}: {exc}") from exc

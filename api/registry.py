"""Imports every domain's models so that `Base.metadata` knows the whole schema (Alembic, tests)."""

from api.auth import models as auth_models
from api.cases import models as cases_models
from api.idempotency import IdempotencyRecord
from api.institutions import models as institutions_models
from api.orm import Base
from api.states import models as states_models
from api.users import models as users_models

__all__ = [
    "Base",
    "IdempotencyRecord",
    "auth_models",
    "cases_models",
    "institutions_models",
    "states_models",
    "users_models",
]

metadata = Base.metadata

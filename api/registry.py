"""Imports every domain's models so that `Base.metadata` knows the whole schema (Alembic, tests)."""

from api.audit import models as audit_models
from api.auth import models as auth_models
from api.cases import models as cases_models
from api.evidence import models as evidence_models
from api.idempotency import IdempotencyRecord
from api.institutions import models as institutions_models
from api.orm import Base
from api.partners import models as partners_models
from api.ratelimit import models as ratelimit_models
from api.states import models as states_models
from api.users import models as users_models

__all__ = [
    "Base",
    "IdempotencyRecord",
    "audit_models",
    "auth_models",
    "cases_models",
    "evidence_models",
    "institutions_models",
    "partners_models",
    "ratelimit_models",
    "states_models",
    "users_models",
]

metadata = Base.metadata

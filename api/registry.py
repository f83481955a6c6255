"""Imports every domain's models so that `Base.metadata` knows the whole schema (Alembic, tests)."""

from api.audit import models as audit_models
from api.auth import models as auth_models
from api.calendars import models as calendars_models
from api.cases import models as cases_models
from api.court_orders import models as court_orders_models
from api.evidence import models as evidence_models
from api.idempotency import IdempotencyRecord
from api.institutions import models as institutions_models
from api.notifications import models as notifications_models
from api.obligations import models as obligations_models
from api.orm import Base
from api.partners import models as partners_models
from api.persons import models as persons_models
from api.proceedings import models as proceedings_models
from api.ratelimit import models as ratelimit_models
from api.states import models as states_models
from api.users import models as users_models
from api.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "IdempotencyRecord",
    "audit_models",
    "auth_models",
    "calendars_models",
    "cases_models",
    "court_orders_models",
    "evidence_models",
    "institutions_models",
    "notifications_models",
    "obligations_models",
    "partners_models",
    "persons_models",
    "proceedings_models",
    "ratelimit_models",
    "states_models",
    "users_models",
    "webhooks_models",
]

metadata = Base.metadata

"""The access policy: the one place that decides who may do what and see which rows and fields.

Routers declare an `Action`; queries ask `visible_levels`; answers pass through `redact`. Nothing else
in the service decides access.
"""

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import true

from api.errors import PermissionDenied, Unauthenticated, invalid
from api.orm import Visibility
from api.schemas import STAFF_ONLY_FIELDS, RedactableOut
from api.users.models import Role


class CallerKind(enum.StrEnum):
    anonymous = "anonymous"
    staff = "staff"
    partner = "partner"
    system = "system"


class Action(enum.StrEnum):
    public = "public"  # anyone, no credentials
    read = "read"  # staff of any role, partners with the read scope
    write = "write"  # editors and admins, partners with the write scope
    admin = "admin"  # admins only
    # Restricted records (persons of interest): admins and editors only, never viewers nor partners,
    # whatever a key's scopes.
    restricted = "restricted"


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    role: Role | None = None
    user_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    credential_id: uuid.UUID | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind is CallerKind.staff

    @property
    def is_partner(self) -> bool:
        return self.kind is CallerKind.partner

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        if self.kind is CallerKind.staff:
            return f"user:{self.user_id}"
        if self.kind is CallerKind.partner:
            return f"partner:{self.partner_id}"
        return self.kind.value


ANONYMOUS = Caller(CallerKind.anonymous)
SYSTEM = Caller(CallerKind.system)


def authorize(caller: Caller, action: Action) -> None:
    """Raise unless the caller may perform the action at all (row visibility is decided separately)."""
    if action is Action.public:
        return
    if caller.kind is CallerKind.anonymous:
        raise Unauthenticated(detail="Send a bearer token or an X-API-Key.")
    if caller.kind is CallerKind.system:
        return
    if caller.kind is CallerKind.staff:
        allowed = {
            Action.read: True,
            Action.write: caller.role in (Role.admin, Role.editor),
            Action.admin: caller.role is Role.admin,
            Action.restricted: caller.role in (Role.admin, Role.editor),
        }[action]
    else:
        allowed = action not in (Action.admin, Action.restricted) and action.value in caller.scopes
    if not allowed:
        raise PermissionDenied(detail=f"This action needs the '{action.value}' right.")


def staff_only(caller: Caller, what: str) -> None:
    """Raise unless the caller is NGO staff (or the system): for what the policy keeps inside the NGO
    whatever a partner key's scopes, such as litigation reports and court calendars' edits. Called by
    routes that declare `Action.read` or `Action.write`, after they found the record (a record the
    caller may not see at all stays a 404)."""
    if caller.kind is CallerKind.anonymous:
        raise Unauthenticated(detail="Send a bearer token or an X-API-Key.")
    if not (caller.is_staff or caller.kind is CallerKind.system):
        raise PermissionDenied(detail=f"{what} is for NGO staff only.")


def visible_levels(caller: Caller) -> frozenset[Visibility]:
    """Which records, by visibility, the caller may see at all."""
    if caller.kind is CallerKind.system or (caller.is_staff and caller.role in (Role.admin, Role.editor)):
        return frozenset(Visibility)
    if caller.is_staff:
        return frozenset({Visibility.public, Visibility.partners, Visibility.internal})
    if caller.is_partner:
        return frozenset({Visibility.public, Visibility.partners})
    return frozenset({Visibility.public})


def can_see(caller: Caller, visibility: Visibility) -> bool:
    return visibility in visible_levels(caller)


def sees_persons(caller: Caller) -> bool:
    """Persons of interest are `restricted`: whoever may not see that level gets no person, no post of one
    and no edge to one, anywhere (the network included), as if none existed."""
    return can_see(caller, Visibility.restricted)


# Case-link reasons that tell that a person connects two cases (`LinkReason.shared_person`).
PERSON_REVEALING_LINK_REASONS = frozenset({"shared_person"})


def hidden_link_reasons(caller: Caller) -> frozenset[str]:
    """Case links that callers outside the NGO may not see even between two cases they may see: the link
    itself reveals that a person of interest exists."""
    return frozenset() if caller.is_staff or caller.kind is CallerKind.system else PERSON_REVEALING_LINK_REASONS


def hidden_fields(caller: Caller) -> frozenset[str]:
    """Of STAFF_ONLY_FIELDS (free-text notes, and who on the staff did what; named in api/schemas.py,
    where answers are shaped), those this caller may not read."""
    return frozenset() if caller.is_staff or caller.kind is CallerKind.system else STAFF_ONLY_FIELDS


def sees_small_counts(caller: Caller) -> bool:
    """Aggregates shown outside the NGO suppress counts below SMALL_COUNT so no child can be singled out."""
    return caller.is_staff or caller.kind is CallerKind.system


SMALL_COUNT = 3


R = TypeVar("R", bound=RedactableOut)


def redact(caller: Caller, answer: R) -> R:
    """Withhold from an answer the fields this caller may not read."""
    hidden = hidden_fields(caller)
    return answer.without(hidden) if hidden else answer


def visible(caller: Caller, visibility_column: Any) -> Any:
    """The SQL condition on a record's visibility column that this caller may see."""
    return visibility_column.in_([v.value for v in visible_levels(caller)])


def restricted_by_database(caller: Caller) -> bool:
    """Callers outside the NGO also get row-level security in PostgreSQL (see api/rls.py)."""
    return caller.kind in (CallerKind.partner, CallerKind.anonymous)


def check_writable(caller: Caller, visibility: Visibility | None, fields_sent: Iterable[str]) -> None:
    """A caller may only write records it could read back, and no field it may not read."""
    if visibility is not None and not can_see(caller, visibility):
        allowed = ", ".join(sorted(v.value for v in visible_levels(caller)))
        raise invalid("visibility", f"you may only write records with visibility {allowed}")
    for name in sorted(set(fields_sent) & hidden_fields(caller)):
        raise invalid(name, "this field is for NGO staff only")


def owned_by_caller(caller: Caller, partner_column: Any) -> Any:
    """The SQL condition for records that belong to a partner (its webhooks, its feed tokens): a partner
    sees only its own, as if the others did not exist; staff see all."""
    if caller.is_partner:
        return partner_column == caller.partner_id
    return true()

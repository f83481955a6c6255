"""The SEP court order of the report, for `vigia demo load`. Idempotent.

From the report (July 2024): a criminal court ordered SEP six concrete actions, in a sentence
confirmed on appeal; it was notified in August 2023 and none has been complied with ("partial
advances, simulations and copious amounts of paper"). The report gives no deadline for any of the six,
so none is invented: each obligation says so in its deadline note, and its status is pending.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import SYSTEM
from api.clock import today
from api.court_orders import service as orders
from api.court_orders.models import CourtOrder
from api.court_orders.schemas import CourtOrderCreate
from api.institutions.models import Institution
from api.obligations import service as obligations
from api.obligations.models import ObligationKind
from api.obligations.schemas import ObligationCreate
from api.orm import DatePrecision, Visibility
from api.proceedings import service as proceedings
from api.proceedings.models import ProceedingKind, ProceedingStatus
from api.proceedings.schemas import ProceedingCreate
from api.schemas import DocumentaryDate

DATA = Path(__file__).resolve().parent.parent / "demo" / "data" / "court_order_sep_2023.json"

TITLE = "Sentencia penal que ordena a la SEP medidas de prevención (caso de preescolar, Ciudad de México)"
SEP = "Secretaría de Educación Pública (SEP)"
COURT = "Juzgado penal de primera instancia (sentencia del caso de preescolar, CDMX)"
TRIAL = "Proceso penal del caso de preescolar (Ciudad de México) en el que se dictó la sentencia"

# The six actions in Spanish, faithful to the report's list.
DESCRIPTIONS = {
    1: "Publicar en el sitio oficial de la SEP materiales educativos y audiovisuales sobre lo que vivieron "
    "las víctimas en su búsqueda de justicia, y materiales de prevención (como infografías) sobre los "
    "delitos de abuso sexual.",
    2: "Instituir una política pública de espacios escolares seguros para todos los jardines de niños de la "
    "Ciudad de México: visibilidad hacia y desde aulas, áreas administrativas, baños y juegos, y personal "
    "encargado de vigilar a las y los alumnos.",
    3: "Establecer políticas públicas para sensibilizar a las y los especialistas de la salud que tienen "
    "contacto con víctimas de delitos sexuales.",
    4: "Impartir de forma continua cursos de capacitación a todo el personal académico y administrativo "
    "sobre prevención, detección y atención de la violencia sexual contra niñas y niños en el ámbito "
    "educativo.",
    5: "Instituir en el calendario escolar un día para concientizar sobre la gravedad del abuso sexual y el "
    "maltrato infantil en las aulas.",
    6: "Realizar un acto público de reconocimiento de su actuación irregular en relación con los hechos del "
    "caso y los actos de la persona sentenciada.",
}
KINDS = {
    "one_off": ObligationKind.one_off,
    "continuous": ObligationKind.continuous,
    "recurring_yearly": ObligationKind.recurring,
}
NO_DEADLINE = (
    "El informe «Es un secreto» (julio de 2024) no señala plazo para esta obligación. La sentencia fue "
    "notificada a la SEP en agosto de 2023; a julio de 2024 no se había cumplido."
)


async def _institution(session: AsyncSession, name: str) -> Institution:
    found = await session.scalar(select(Institution).where(Institution.name == name))
    if found is None:
        raise RuntimeError(f"load the institutions first: {name}")
    return found


async def load_sep_order(session: AsyncSession) -> dict[str, int]:
    if await session.scalar(select(CourtOrder.id).where(CourtOrder.title == TITLE)) is not None:
        return {"court_orders": 0, "obligations": 0, "trial_proceedings": 0}
    facts: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    sep = await _institution(session, SEP)
    court = await _institution(session, COURT)
    # A sentence comes out of a criminal trial: recorded so that the order hangs from its proceeding. The
    # report does not say which of the documented preschools it concerns, so no case is attached.
    trial = await proceedings.create_proceeding(
        session,
        SYSTEM,
        ProceedingCreate(
            kind=ProceedingKind.criminal_trial,
            authority_id=court.id,
            title=TRIAL,
            status=ProceedingStatus.concluded,
            summary=(
                "Juicio penal ante un juzgado de primera instancia de la Ciudad de México, por el caso de un jardín "
                "de niños público; la sentencia condenatoria fue confirmada en apelación. El informe no identifica "
                "cuál de los casos documentados es."
            ),
            visibility=Visibility.public,
        ),
    )
    order = await orders.create_order(
        session,
        SYSTEM,
        CourtOrderCreate(
            title=TITLE,
            court_id=court.id,
            proceeding_id=trial.proceeding.id,
            # "At the end of the same year in which the report is published": 2021, approximately.
            issued_on=DocumentaryDate(date=date(2021, 1, 1), precision=DatePrecision.year),
            notified_on=DocumentaryDate(date=date(2023, 8, 1), precision=DatePrecision.month),
            summary=(
                "Sentencia de un juzgado penal, confirmada por un tribunal de alzada, en el caso de un jardín "
                "de niños público de la Ciudad de México: una maestra fue condenada a 494 años de prisión y el "
                "Estado mexicano fue declarado responsable solidario de la reparación del daño. Entre las "
                "medidas, ordena a la SEP seis acciones concretas de prevención. La misma sentencia ordena "
                "además a la SEP incorporar la educación sobre violencia sexual en las aulas, al Gobierno de "
                "la Ciudad de México garantizar escuelas transparentes sin espacios ocultos, y a la FGR "
                "ampliar su investigación. Según el informe, desde su notificación (agosto de 2023) la SEP "
                "ha presentado avances parciales, simulaciones y abundante papel, sin cambios sustantivos."
            ),
            source_url=facts["court_order"]["source_url"],
            visibility=Visibility.public,
        ),
    )
    for item in facts["obligations"]:
        await obligations.create_obligation(
            session,
            SYSTEM,
            order.id,
            ObligationCreate(
                number=item["number"],
                description=DESCRIPTIONS[item["number"]],
                obligated_id=sep.id,
                kind=KINDS[item["kind"]],
                schedule=None,
                deadline_note=NO_DEADLINE,
            ),
            today(),
        )
    return {"court_orders": 1, "obligations": len(facts["obligations"]), "trial_proceedings": 1}

"""`vigia demo load`: the report's facts, loaded through the services. Safe to run again.

The data files in api/demo/data are copies of the facts of the report "It's a Secret" (July 2024).
Where the report does not say something (a case's legal status, a school's level), nothing is invented.
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import SYSTEM
from api.cases import service as cases
from api.cases.models import Case, LegalStatus, Pattern, SourceKind
from api.cases.schemas import CaseCreate, SourceIn
from api.court_orders.demo import load_sep_order
from api.institutions import service as institutions
from api.institutions.models import Institution, InstitutionKind, SchoolLevel, Sector
from api.institutions.schemas import InstitutionCreate
from api.orm import DatePrecision, Visibility
from api.proceedings.demo import load_investigation
from api.schemas import DocumentaryDate

DATA = Path(__file__).parent / "data"

REPORT_URL = (
    "https://dispensariodi.com/wp-content/uploads/2021/05/It%C2%B4s-a-Secret-Child-sexual-exploitation-in-schools.pdf"
)
REPORT_REFERENCE = (
    "Oficina de Defensoría de los Derechos de la Infancia (ODI), «Es un secreto: explotación sexual "
    "infantil en escuelas», actualización de julio de 2024"
)
REPORT_DATE = DocumentaryDate(date=date(2024, 7, 1), precision=DatePrecision.month)

# The report: "In all cases ... sexual assault is committed by several adults together."
REPORT_PATTERNS = [Pattern.multiple_aggressors]

AUTHORITIES = [
    ("Secretaría de Educación Pública (SEP)", InstitutionKind.education_authority, None),
    ("Fiscalía General de la República (FGR)", InstitutionKind.prosecutor, None),
    ("Gobierno de la Ciudad de México", InstitutionKind.government, "MX-CMX"),
    # The report does not name the courts of the SEP sentence; they are recorded as it describes them.
    ("Juzgado penal de primera instancia (sentencia del caso de preescolar, CDMX)", InstitutionKind.court, "MX-CMX"),
    ("Tribunal de alzada (confirmó la sentencia del caso de preescolar, CDMX)", InstitutionKind.court, "MX-CMX"),
]


def school_level(name: str) -> SchoolLevel | None:
    """Only what the school's name states; a "Colegio" may teach several levels."""
    lowered = name.lower()
    if any(
        word in lowered for word in ("jardín de niños", "jardin de niños", "kinder", "preescolar", "circulo infantil")
    ):
        return SchoolLevel.preschool
    if "primaria" in lowered:
        return SchoolLevel.primary
    return None


@dataclass(frozen=True)
class ReportCase:
    number: int
    year_start: int
    year_end: int
    school: str
    state: str
    sector: Sector
    wave: int


def report_cases() -> list[ReportCase]:
    with (DATA / "report_cases.csv").open(encoding="utf-8") as f:
        return [
            ReportCase(
                number=int(row["report_number"]),
                year_start=int(row["year_start"]),
                year_end=int(row["year_end"]),
                school=row["institution_name"],
                state=row["state_iso"],
                sector=Sector(row["sector"]),
                wave=int(row["report_wave"]),
            )
            for row in csv.DictReader(f)
        ]


async def _institution(session: AsyncSession, data: InstitutionCreate) -> Institution:
    existing = await session.scalar(
        select(Institution).where(Institution.name == data.name, Institution.kind == data.kind).limit(1)
    )
    if existing is not None:
        return existing
    created = await institutions.create_institution(session, SYSTEM, data)
    return created


async def load_demo(session: AsyncSession) -> dict[str, int]:
    """Load the report's cases, schools and authorities; returns how many of each were added."""
    added = {"institutions": 0, "cases": 0}
    for name, kind, state in AUTHORITIES:
        exists_already = await session.scalar(select(Institution.id).where(Institution.name == name))
        await _institution(session, InstitutionCreate(name=name, kind=kind, state=state, visibility=Visibility.public))
        added["institutions"] += exists_already is None
    for item in report_cases():
        exists_already = await session.scalar(
            select(Institution.id).where(Institution.name == item.school, Institution.kind == InstitutionKind.school)
        )
        school = await _institution(
            session,
            InstitutionCreate(
                name=item.school,
                kind=InstitutionKind.school,
                state=item.state,
                sector=item.sector,
                level=school_level(item.school),
                visibility=Visibility.public,
            ),
        )
        added["institutions"] += exists_already is None
        if await session.scalar(select(Case.id).where(Case.report_number == item.number)) is not None:
            continue
        await cases.create_case(
            session,
            SYSTEM,
            CaseCreate(
                title=item.school,
                institution_id=school.id,
                state=item.state,
                year_start=item.year_start,
                year_end=item.year_end if item.year_end != item.year_start else None,
                report_number=item.number,
                report_wave=item.wave,
                legal_status=LegalStatus.documented,
                patterns=REPORT_PATTERNS,
                sources=[
                    SourceIn(kind=SourceKind.ngo_report, reference=REPORT_REFERENCE, date=REPORT_DATE, url=REPORT_URL)
                ],
                visibility=Visibility.public,
            ),
        )
        added["cases"] += 1
    added.update(await load_investigation(session))
    added.update(await load_sep_order(session))
    return added

"""The federal investigation of the report's cases, as the report tells it (July 2024 update).

Facts from api/demo/data/fgr_investigation_2021.json and the report's section "The criminal investigation
that never happened", in Spanish for the dashboard. The report gives no date for the complainants'
requests nor for the authority's answers: those dates stay empty. Loaded through the services; safe to
run again.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import SYSTEM
from api.cases.models import Case
from api.institutions import service as institutions
from api.institutions.models import Institution, InstitutionKind
from api.institutions.schemas import InstitutionCreate
from api.orm import DatePrecision, Visibility
from api.proceedings import service
from api.proceedings.models import InvestigativeMeasure, MeasureStatus, Proceeding, ProceedingKind, ProceedingStatus
from api.proceedings.schemas import MeasureCreate, ProceedingCreate, ProceedingUpdate
from api.schemas import DocumentaryDate

DATA = Path(__file__).resolve().parent.parent / "demo" / "data" / "fgr_investigation_2021.json"

# As api/demo/loader.py names it: the FGR is found, or created if this runs alone.
FGR_NAME = "Fiscalía General de la República (FGR)"

TITLE = (
    "Carpeta de investigación federal de la FGR sobre todos los casos del informe «Es un secreto» "
    "(unidad especializada en trata y explotación sexual de niñas, niños y adolescentes)"
)

SUMMARY = (
    "Carpeta de investigación abierta en julio de 2021 por la Fiscalía General de la República (FGR), en su "
    "área más especializada en trata y explotación sexual de niñas, niños y adolescentes. Abarca todos los "
    "casos documentados en el informe «Es un secreto» de la Oficina de Defensoría de los Derechos de la "
    "Infancia (ODI); se abrió tras la publicación del informe y con la intervención de personal de una "
    "embajada extranjera. En abril de 2023, en la Ciudad de México, un exdirector de la unidad de delitos "
    "contra la infancia de INTERPOL asesoró al equipo de la fiscalía y a la unidad de inteligencia de la FGR; "
    "no se ejecutó ninguna de sus recomendaciones. Según la actualización del informe de julio de 2024, tras "
    "tres años no hay avances: el expediente suma más de cuatro tomos y cerca de mil páginas, reunidos sin "
    "hilo conductor, sin plan de investigación y sin análisis de su contenido. El informe la califica de "
    "investigación simulada."
)

ODI = "ODI (parte denunciante)"
EXPERT = "experto internacional (reunión de abril de 2023)"
# The one request the report dates: the expert's meeting with the prosecution, April 2023.
EXPERT_MEETING = DocumentaryDate(date=date(2023, 4, 1), precision=DatePrecision.month)


@dataclass(frozen=True)
class Measure:
    description: str
    status: MeasureStatus
    requested_by: str | None = ODI
    requested_on: DocumentaryDate | None = None
    response: str | None = None


# The sixteen measures the report says were never carried out, in its order. The report states no
# refusal and no answer for them: they stay `requested`, with no response.
NOT_CARRIED_OUT = [
    Measure(
        "Obtener las carpetas de investigación de casos similares de las fiscalías de los estados y de otras "
        "unidades de la propia FGR (de las fiscalías solo se obtuvieron dos carpetas; de la FGR, únicamente la "
        "copia de un expediente que litiga la ODI).",
        MeasureStatus.requested,
    ),
    Measure(
        "Obtener los expedientes laborales de las personas sentenciadas que ingresaron a las escuelas como "
        "docentes o personal de mantenimiento, y de las personas acusadas de agresiones con patrones similares.",
        MeasureStatus.requested,
    ),
    Measure("Averiguar si existen denuncias previas contra las personas acusadas.", MeasureStatus.requested),
    Measure(
        "Entrevistar a personas y autoridades sobre cómo se supervisa a las escuelas y cómo se recluta al personal.",
        MeasureStatus.requested,
    ),
    Measure(
        "Preguntar a la SEP si tiene registradas denuncias con patrones de violencia similares.",
        MeasureStatus.requested,
    ),
    Measure(
        "Entrevistar a las personas ya sentenciadas por delitos que coinciden con los patrones investigados.",
        MeasureStatus.requested,
    ),
    Measure(
        "Realizar acciones encubiertas en escuelas que siguen operando y tienen denuncias anónimas en su contra "
        "(cuando se aprobó la vigilancia de una de ellas, la escuela particular cambió de nombre de inmediato; "
        "ese seguimiento no produjo datos útiles).",
        MeasureStatus.requested,
    ),
    Measure(
        "Analizar las geolocalizaciones de las alertas internacionales de explotación sexual infantil para "
        "identificar correlaciones con las denuncias.",
        MeasureStatus.requested,
    ),
    Measure(
        "Reunir imágenes de alumnas y alumnos de las escuelas denunciadas para buscarlas en las bases de datos "
        "internacionales de explotación sexual infantil (solo se usaron imágenes de rostros de víctimas directas "
        "obtenidas por la ODI).",
        MeasureStatus.requested,
    ),
    Measure(
        "Obtener imágenes de logotipos, uniformes, interiores y exteriores de las escuelas para cruzarlas con "
        "las bases de datos internacionales de explotación sexual infantil (cuando la ODI reunió y entregó esas "
        "imágenes, la FGR informó que no hubo coincidencias).",
        MeasureStatus.requested,
    ),
    Measure(
        "Integrar a la carpeta las respuestas de los organismos internacionales que realizaron la búsqueda de "
        "imágenes.",
        MeasureStatus.requested,
    ),
    Measure("Investigar las cuentas bancarias de las personas de interés.", MeasureStatus.requested),
    Measure(
        "Solicitar los registros de llamadas de las personas de interés e investigar si las personas detenidas "
        "tuvieron contacto entre sí o con alguna persona de interés el día de su detención.",
        MeasureStatus.requested,
    ),
    Measure(
        "Identificar las escuelas que actualmente emplean a personas señaladas por las niñas y los niños pero no "
        "vinculadas a proceso, para investigarlas de forma encubierta.",
        MeasureStatus.requested,
    ),
    Measure(
        "Solicitar copia del contenido de los teléfonos celulares de las personas detenidas para buscar material "
        "de explotación, contactos entre personas de interés u otras comunicaciones útiles.",
        MeasureStatus.requested,
    ),
    Measure(
        "Ejecutar alguna de las acciones recomendadas por el especialista internacional, con décadas de "
        "experiencia en la investigación de delitos contra la infancia, que la ODI trajo a México para una "
        "reunión sobre las estrategias de investigación del caso.",
        MeasureStatus.requested,
        requested_by=EXPERT,
        requested_on=EXPERT_MEETING,
    ),
]

# What the report says the FGR did in three years: nothing useful came of any of it.
DONE = [
    Measure(
        "Análisis de redes a cargo de la policía cibernética.",
        MeasureStatus.performed_without_result,
        response=(
            "Se pidió por oficio, sin más información sobre el caso (lo que se sabía y lo que no); el resultado "
            "fue documentar desde internet las denuncias que ya estaban documentadas en el informe publicado por "
            "la ODI años antes."
        ),
    ),
    Measure(
        "Análisis del CENAPI sobre un grupo de personas de interés.",
        MeasureStatus.performed_without_result,
        response=(
            "Recoge datos generales de las personas en redes abiertas; no investiga ni establece relaciones "
            "entre los actores, ni busca ni analiza el contenido de sus publicaciones."
        ),
    ),
    Measure(
        "Solicitudes a las fiscalías de los estados de diversas carpetas de investigación.",
        MeasureStatus.performed_without_result,
        requested_by=None,
        response="La FGR registra las solicitudes y sus respuestas, pero no recibió las carpetas requeridas.",
    ),
    Measure(
        "Registro en la carpeta de las consultas hechas por la parte denunciante.",
        MeasureStatus.performed_without_result,
        requested_by=None,
        response=(
            "Solo consta el registro de las consultas de la parte denunciante; el informe no le atribuye ningún "
            "resultado para la investigación."
        ),
    ),
]

MEASURES = [*NOT_CARRIED_OUT, *DONE]


def investigation_file() -> dict[str, str]:
    with DATA.open(encoding="utf-8") as f:
        data: dict[str, dict[str, str]] = json.load(f)
    return data["investigation_file"]


async def _fgr(session: AsyncSession) -> Institution:
    existing = await session.scalar(
        select(Institution).where(Institution.name == FGR_NAME, Institution.kind == InstitutionKind.prosecutor).limit(1)
    )
    if existing is not None:
        return existing
    return await institutions.create_institution(
        session,
        SYSTEM,
        InstitutionCreate(name=FGR_NAME, kind=InstitutionKind.prosecutor, visibility=Visibility.public),
    )


async def load_investigation(session: AsyncSession) -> dict[str, int]:
    """The investigation file, linked to every case of the report, and its measures. Returns what was added."""
    added = {"proceedings": 0, "proceeding_cases": 0, "measures": 0}
    file = investigation_file()
    report_cases = list(
        (
            await session.scalars(select(Case.id).where(Case.report_number.is_not(None)).order_by(Case.report_number))
        ).all()
    )
    proceeding = await session.scalar(
        select(Proceeding).where(
            Proceeding.file_number == file["number"], Proceeding.kind == ProceedingKind.criminal_investigation
        )
    )
    if proceeding is None:
        opened_year, opened_month = (int(part) for part in file["opened_on"].split("-"))
        row = await service.create_proceeding(
            session,
            SYSTEM,
            ProceedingCreate(
                kind=ProceedingKind.criminal_investigation,
                authority_id=(await _fgr(session)).id,
                file_number=file["number"],
                title=TITLE,
                opened_on=DocumentaryDate(date=date(opened_year, opened_month, 1), precision=DatePrecision.month),
                status=ProceedingStatus.open,
                summary=SUMMARY,
                visibility=Visibility.public,
                case_ids=report_cases,
            ),
        )
        proceeding = row.proceeding
        added["proceedings"] += 1
        added["proceeding_cases"] += len(row.case_ids)
    else:
        # Cases loaded after the investigation are added to it; links made by hand are kept.
        linked = (await service.get_proceeding(session, SYSTEM, proceeding.id)).case_ids
        missing = [case_id for case_id in report_cases if case_id not in set(linked)]
        if missing:
            await service.update_proceeding(
                session, SYSTEM, proceeding.id, proceeding.version, ProceedingUpdate(case_ids=[*linked, *missing])
            )
            added["proceeding_cases"] += len(missing)
    present = set(
        (
            await session.scalars(
                select(InvestigativeMeasure.description).where(InvestigativeMeasure.proceeding_id == proceeding.id)
            )
        ).all()
    )
    for item in MEASURES:
        if item.description in present:
            continue
        await service.create_measure(
            session,
            SYSTEM,
            proceeding.id,
            MeasureCreate(
                description=item.description,
                requested_on=item.requested_on,
                requested_by=item.requested_by,
                status=item.status,
                response=item.response,
            ),
        )
        added["measures"] += 1
    return added

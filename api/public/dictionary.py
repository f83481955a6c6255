"""The data dictionary of the public download: every column of every dataset, in Spanish and English.

It is the single list of the download's columns: the rows are built with exactly these keys (a test
holds them to it), so the dictionary cannot fall behind the data.
"""

from api.public.schemas import DataDictionary, Dataset, DatasetDoc, FieldDoc, Localized

# (name, type, Spanish, English)
FieldSpec = tuple[str, str, str, str]

_ID = ("id", "uuid", "Identificador del registro en Vigía.", "The record's identifier in Vigía.")
_UPDATED = ("updated_at", "datetime", "Última modificación (RFC 3339, UTC).", "Last change (RFC 3339, UTC).")
_AS_OF = (
    "as_of",
    "date",
    "Fecha (Ciudad de México) a la que se calcularon los días y los vencimientos.",
    "Date (Mexico City) the days and lateness were computed for.",
)
_DOC_DATE = "documentary_date"

FIELDS: dict[Dataset, list[FieldSpec]] = {
    Dataset.cases: [
        _ID,
        ("title", "string", "Título del caso (por lo general, la escuela).", "Case title (usually the school)."),
        ("state", "string", "Entidad federativa, código ISO 3166-2 (p. ej. MX-CMX).", "State, ISO 3166-2 code."),
        (
            "institution_id",
            "uuid",
            "La escuela, cuando su registro también es público.",
            "The school, when its record is public too.",
        ),
        ("institution_name", "string", "Nombre de la escuela.", "The school's name."),
        ("sector", "enum", "Sector de la escuela: public o private.", "The school's sector: public or private."),
        ("year_start", "integer", "Primer año de los hechos documentados.", "First year of the documented events."),
        ("year_end", "integer", "Último año (vacío: un solo año).", "Last year (empty: a single year)."),
        ("report_number", "integer", "Número del caso en el informe «Es un secreto».", "Case number in the report."),
        ("report_wave", "integer", "Etapa del informe en que se documentó.", "Report wave that documented it."),
        (
            "legal_status",
            "enum",
            "Situación jurídica: documented, complaint_filed, under_investigation, in_trial, sentenced, closed.",
            "Legal status: documented, complaint_filed, under_investigation, in_trial, sentenced, closed.",
        ),
        (
            "victims_count",
            "integer",
            "Número aproximado de víctimas (ningún niño o niña se nombra jamás).",
            "Approximate number of victims (no child is ever named).",
        ),
        (
            "aggressors_count",
            "integer",
            "Número aproximado de presuntos agresores.",
            "Approximate number of alleged aggressors.",
        ),
        (
            "patterns",
            "list",
            "Coincidencias documentadas (vocabulario controlado); en CSV, separadas por «; ».",
            "Documented patterns (controlled vocabulary); in CSV, separated by '; '.",
        ),
        ("summary", "string", "Resumen público.", "Public summary."),
        (
            "sources",
            "list",
            "Fuentes: tipo, referencia, fecha y URL; en CSV, separadas por « | ».",
            "Sources: kind, reference, date and URL; in CSV, separated by ' | '.",
        ),
        _UPDATED,
    ],
    Dataset.institutions: [
        _ID,
        ("name", "string", "Nombre.", "Name."),
        (
            "kind",
            "enum",
            "Tipo: school, education_authority, prosecutor, court, human_rights_commission, government, police, "
            "ngo, other.",
            "Kind: school, education_authority, prosecutor, court, human_rights_commission, government, police, "
            "ngo, other.",
        ),
        ("state", "string", "Entidad federativa (ISO 3166-2).", "State (ISO 3166-2)."),
        ("municipality", "string", "Municipio o alcaldía.", "Municipality."),
        ("sector", "enum", "Escuelas: public o private.", "Schools: public or private."),
        ("level", "enum", "Escuelas: preschool, primary, secondary, other.", "Schools: preschool, primary, …"),
        ("work_center_key", "string", "Clave de centro de trabajo (CCT).", "Official work-center key (CCT)."),
        ("parent_id", "uuid", "Institución de la que depende, si es pública.", "Parent institution, if public."),
        _UPDATED,
    ],
    Dataset.court_orders: [
        _ID,
        ("title", "string", "Título de la resolución.", "Title of the order."),
        ("court_id", "uuid", "El juzgado o tribunal (si su registro es público).", "The court (if public)."),
        ("court_name", "string", "Nombre del juzgado o tribunal.", "The court's name."),
        ("file_number", "string", "Número de expediente.", "File number."),
        (
            "issued_on",
            _DOC_DATE,
            "Fecha de la resolución, con su precisión (día, mes o año); en CSV, AAAA, AAAA-MM o AAAA-MM-DD.",
            "Date issued, with its precision (day, month or year); in CSV, YYYY, YYYY-MM or YYYY-MM-DD.",
        ),
        ("notified_on", _DOC_DATE, "Fecha de notificación, con su precisión.", "Date notified, with its precision."),
        (
            "confirmed_on_appeal_on",
            _DOC_DATE,
            "Fecha en que se confirmó en apelación, con su precisión.",
            "Date confirmed on appeal, with its precision.",
        ),
        ("summary", "string", "Resumen.", "Summary."),
        ("source_url", "url", "Fuente pública de la resolución.", "Public source of the order."),
        ("obligations_total", "integer", "Número de obligaciones.", "Number of obligations."),
        ("obligations_complied", "integer", "Obligaciones cumplidas totalmente.", "Obligations fully complied."),
        (
            "obligations_overdue",
            "integer",
            "Obligaciones con un plazo vencido y no cumplidas.",
            "Obligations past a due date and not complied.",
        ),
        (
            "days_since_notification",
            "integer",
            "Días desde la notificación hasta as_of; si la fecha se conoce solo al mes o al año, se cuenta desde "
            "su primer día.",
            "Days from the notification to as_of; a date known only to the month or year counts from its first day.",
        ),
        (
            "approximate",
            "boolean",
            "true cuando days_since_notification es aproximado (notificación conocida solo al mes o al año).",
            "true when days_since_notification is approximate (notification known only to the month or year).",
        ),
        _AS_OF,
        _UPDATED,
    ],
    Dataset.obligations: [
        _ID,
        ("court_order_id", "uuid", "La resolución que la ordena.", "The court order that requires it."),
        ("number", "integer", "Número dentro de la resolución.", "Number within the order."),
        ("description", "string", "Lo que se ordena.", "What is ordered."),
        ("obligated_id", "uuid", "Institución obligada (si su registro es público).", "Obligated institution."),
        ("obligated_name", "string", "Nombre de la institución obligada.", "The obligated institution's name."),
        ("kind", "enum", "one_off (única), recurring (periódica), continuous.", "one_off, recurring, continuous."),
        (
            "schedule",
            "object",
            "Plazo: fecha, término en días hábiles o naturales, recurrencia o revisión periódica; vacío si la "
            "resolución no fija plazo. En CSV, JSON.",
            "Schedule: a date, a term in business or calendar days, a recurrence or a periodic review; empty when "
            "the order sets none. In CSV, as JSON.",
        ),
        (
            "deadline_note",
            "string",
            "Nota sobre el plazo (p. ej., que la resolución no lo señala).",
            "Note on the deadline (e.g. that the order sets none).",
        ),
        (
            "status",
            "enum",
            "Estado de cumplimiento según la organización: pending, partial, complied, disputed.",
            "Compliance status as the NGO assesses it: pending, partial, complied, disputed.",
        ),
        ("status_since", "date", "Desde cuándo tiene ese estado.", "Since when it has that status."),
        ("complied_on", "date", "Fecha de cumplimiento total.", "Date fully complied."),
        ("due_on", "date", "Vencimiento más próximo no cumplido.", "Earliest due date not complied."),
        ("overdue", "boolean", "Vencida y no cumplida a as_of.", "Past due and not complied as of as_of."),
        (
            "days_overdue",
            "integer",
            "Días de atraso a as_of (0 si no hay atraso); vacío cuando no hay plazo.",
            "Days overdue as of as_of (0 when not late); empty when there is no deadline.",
        ),
        _AS_OF,
        _UPDATED,
    ],
}

DESCRIPTIONS = {
    Dataset.cases: (
        "Casos documentados de posible violencia sexual organizada en escuelas, marcados como públicos.",
        "Documented cases of possible organized sexual violence in schools, marked public.",
    ),
    Dataset.institutions: (
        "Escuelas y autoridades marcadas como públicas.",
        "Schools and authorities marked public.",
    ),
    Dataset.court_orders: (
        "Resoluciones judiciales públicas, con el reloj de cumplimiento.",
        "Public court orders, with their compliance clock.",
    ),
    Dataset.obligations: (
        "Obligaciones de las resoluciones públicas, con su estado y sus días de atraso.",
        "Obligations of the public court orders, with their status and days overdue.",
    ),
}


def columns(dataset: Dataset) -> list[str]:
    return [name for name, *_ in FIELDS[dataset]]


def dictionary(base_url: str) -> DataDictionary:
    return DataDictionary(
        license_note=Localized(
            es="Datos publicados por la organización para su difusión; cite «Vigía» como fuente.",
            en="Data published by the organization for dissemination; cite 'Vigía' as the source.",
        ),
        conventions=Localized(
            es="Solo registros marcados como públicos; nunca notas internas ni datos del personal. CSV en UTF-8 "
            "con encabezado; listas separadas por «; ». Fechas documentales a su precisión (AAAA, AAAA-MM, "
            "AAAA-MM-DD): nunca se inventa un día.",
            en="Only records marked public; never internal notes or staff data. CSV in UTF-8 with a header row; "
            "lists separated by '; '. Documentary dates at their precision (YYYY, YYYY-MM, YYYY-MM-DD): a day is "
            "never invented.",
        ),
        datasets=[
            DatasetDoc(
                name=dataset,
                description=Localized(es=DESCRIPTIONS[dataset][0], en=DESCRIPTIONS[dataset][1]),
                csv_url=f"{base_url}/{dataset.value}.csv",
                json_url=f"{base_url}/{dataset.value}.json",
                fields=[
                    FieldDoc(name=name, type=kind, description=Localized(es=es, en=en))
                    for name, kind, es, en in FIELDS[dataset]
                ],
            )
            for dataset in Dataset
        ],
    )

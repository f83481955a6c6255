"""Similar cases: other cases ranked by a documented score, each with the reasons it matched.

The score of a case C against the case T asked about is the sum of the weights of its reasons:

- `pattern`: every pattern T and C share weighs its rarity, `ln(N / n_p)`, where N is the number of cases the
  caller may see and n_p how many of them show the pattern. A pattern seen in 1 % of cases weighs 4.6; one in
  half of them 0.7; one in all of them nothing. A coincidence is worth what it is rare.
- `proceeding`: every proceeding (the caller may see) about both cases weighs `ln(N / n)`, n the visible
  cases it is about: the justice system already treats them together, and a proceeding about two cases is
  rarer than any pattern.
- `authority`: every authority both cases trace back to, either the authority of a proceeding about each
  case or the parent authority (supervision, appointing authority) of both schools, weighs `ln(N / n)`, n the
  visible cases that trace back to it: a state prosecutor in charge of everything says little, a school
  supervision over a handful of schools says a lot. A shared proceeding also shares its authority; both count.
- `period`: overlapping periods (year_start..year_end, an open end meaning the start year) weigh
  `PERIOD_WEIGHT` * overlapping years / years the two periods span together (1.5 for the same period).
- `same_state` weighs `SAME_STATE_WEIGHT` (1.0); otherwise `neighbouring_state`, states with a land border
  (`state_borders`), `NEIGHBOURING_STATE_WEIGHT` (0.5).
- `sector` (`SECTOR_WEIGHT`, 0.5) and `level` (`LEVEL_WEIGHT`, 0.75: four levels tell apart more than two
  sectors), of both schools, when both are known and equal.

Only cases, proceedings, schools and authorities the caller may see take part, in the counts N and n too:
a weight never reveals how many records the caller may not see, and a reason never cites one.

`reasons_for` is the rule in Python, plain and tested directly; `score_sql` computes the same score for every
visible case in one statement to rank them (tests check that both agree), and `reasons_for` explains the
ones ranked first.
"""

import dataclasses
import enum
import functools
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import Caller, visible_levels
from api.errors import NotFound

PERIOD_WEIGHT = 1.5
SAME_STATE_WEIGHT = 1.0
NEIGHBOURING_STATE_WEIGHT = 0.5
SECTOR_WEIGHT = 0.5
LEVEL_WEIGHT = 0.75

# Weights and scores are given with this many decimals, and ranked by the rounded score, then by id (the
# statement ranks by thousandths).
DECIMALS = 3


class ReasonKind(enum.StrEnum):
    pattern = "pattern"
    proceeding = "proceeding"
    authority = "authority"
    period = "period"
    same_state = "same_state"
    neighbouring_state = "neighbouring_state"
    sector = "sector"
    level = "level"


def rarity_weight(total: int, with_it: int) -> float:
    """`ln(total / with_it)`: what a shared record or pattern seen in `with_it` of `total` cases is worth."""
    if total <= 0 or with_it <= 0 or with_it >= total:
        return 0.0
    return math.log(total / with_it)


def _last_year(period: tuple[int, int | None]) -> int:
    """An open end means the start year."""
    return period[1] if period[1] is not None else period[0]


def period_overlap(a: tuple[int, int | None], b: tuple[int, int | None]) -> tuple[int, int] | None:
    """The years two periods share, or None."""
    start, end = max(a[0], b[0]), min(_last_year(a), _last_year(b))
    return (start, end) if start <= end else None


def period_weight(a: tuple[int, int | None], b: tuple[int, int | None]) -> float:
    overlap = period_overlap(a, b)
    if overlap is None:
        return 0.0
    span = max(_last_year(a), _last_year(b)) - min(a[0], b[0]) + 1
    return PERIOD_WEIGHT * (overlap[1] - overlap[0] + 1) / span


@dataclass(frozen=True)
class CaseFacts:
    """What the score compares of a case, as the caller may see it (an invisible school: no sector, level)."""

    state: str
    year_start: int
    year_end: int | None
    patterns: frozenset[str] = frozenset()
    sector: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    weight: float
    values: list[str]
    detail: str


@dataclass(frozen=True)
class Shared:
    """What a case shares with the case asked about beyond its own facts, with the rarity weights."""

    neighbour: bool = False
    proceedings: Mapping[str, float] = field(default_factory=dict)
    authorities: Mapping[str, float] = field(default_factory=dict)


def _years(span: tuple[int, int]) -> str:
    return f"{span[0]}-{span[1]}"


def reasons_for(
    target: CaseFacts, other: CaseFacts, pattern_weights: Mapping[str, float], shared: Shared
) -> list[Reason]:
    """Why `other` resembles `target`, the weightiest reason first; the score is the sum of the weights."""
    reasons: list[Reason] = []
    patterns = sorted(target.patterns & other.patterns, key=lambda p: (-pattern_weights.get(p, 0.0), p))
    if patterns:
        reasons.append(
            Reason(
                ReasonKind.pattern,
                sum(pattern_weights.get(p, 0.0) for p in patterns),
                patterns,
                f"Comparten {len(patterns)} patrón" + ("es" if len(patterns) > 1 else "")
                + " (los menos frecuentes pesan más)",
            )
        )  # fmt: skip
    for kind, records, one, several in (
        (ReasonKind.proceeding, shared.proceedings, "Un mismo procedimiento trata ambos casos",
         "{n} procedimientos tratan ambos casos"),
        (ReasonKind.authority, shared.authorities,
         "Ambos casos remiten a la misma autoridad (de un procedimiento o de la que depende la escuela)",
         "Ambos casos remiten a {n} autoridades en común"),
    ):  # fmt: skip
        if records:
            ids = sorted(records)
            detail = one if len(ids) == 1 else several.format(n=len(ids))
            reasons.append(Reason(kind, sum(records.values()), ids, detail))
    periods = (target.year_start, target.year_end), (other.year_start, other.year_end)
    overlap = period_overlap(*periods)
    if overlap is not None:
        years = f"en {overlap[0]}" if overlap[0] == overlap[1] else f"de {overlap[0]} a {overlap[1]}"
        reasons.append(
            Reason(
                ReasonKind.period,
                period_weight(*periods),
                [_years(overlap)],
                f"Los periodos coinciden {years}",
            )
        )
    if target.state == other.state:
        reasons.append(Reason(ReasonKind.same_state, SAME_STATE_WEIGHT, [other.state], "Ocurrió en el mismo estado"))
    elif shared.neighbour:
        reasons.append(
            Reason(
                ReasonKind.neighbouring_state,
                NEIGHBOURING_STATE_WEIGHT,
                [target.state, other.state],
                "Ocurrió en un estado vecino",
            )
        )
    if target.sector is not None and target.sector == other.sector:
        sector = "pública" if target.sector == "public" else "privada"
        reasons.append(
            Reason(ReasonKind.sector, SECTOR_WEIGHT, [target.sector], f"Ambas escuelas son de gestión {sector}")
        )
    if target.level is not None and target.level == other.level:
        reasons.append(
            Reason(ReasonKind.level, LEVEL_WEIGHT, [target.level], "Ambas escuelas son del mismo nivel educativo")
        )
    return sorted((r for r in reasons if r.weight > 0), key=lambda r: -r.weight)


def score_of(reasons: Sequence[Reason]) -> float:
    return round(sum(r.weight for r in reasons), DECIMALS)


# The case asked about, if the caller may see it, with its school's sector and level (if the caller may see
# the school) and the parent authority of that school (if the caller may see it too).
TARGET_SQL = """
SELECT c.id, c.state, c.year_start, c.year_end, c.patterns, s.sector, s.level, parent.id AS parent_id
FROM cases c
LEFT JOIN institutions s ON s.id = c.institution_id AND s.visibility = ANY (CAST(:levels AS varchar[]))
LEFT JOIN institutions parent ON parent.id = s.parent_id AND parent.visibility = ANY (CAST(:levels AS varchar[]))
WHERE c.id = CAST(:id AS uuid) AND c.visibility = ANY (CAST(:levels AS varchar[]))
"""

# Row-level security makes PostgreSQL's row estimates for these tables worthless (its policy compares a
# setting), so the statement is shaped to leave the planner no join to get wrong over 100,000 cases: two
# passes over `cases` (the counts, then the scores) that only evaluate expressions per row. The scoring pass
# refers to no CTE row by row (that would keep it out of parallel workers): what is computed once (the
# weights, the linked cases as one jsonb object, looked up by key) comes in as InitPlans, and what each row
# is compared to (neighbouring states, schools of the same sector or level) as hashed subplans over the
# tables, so that each worker scores its share and keeps its own top rows. The target's patterns are
# written out one term each (`:pattern_1`…, parameters): a containment test per pattern is far cheaper per
# row than unnesting the array.


def _terms(count: int, term: str, joiner: str, empty: str) -> str:
    return joiner.join(term.format(i=i) for i in range(1, count + 1)) or empty


# Every visible case scored against the target, the best `limit` returned with what they share. The counts
# (N, n_p, n for proceedings and authorities) are taken over visible records only. The target's facts come
# as parameters from TARGET_SQL.
@functools.cache
def score_sql(patterns: int) -> str:
    """The statement that scores every visible case for a target with this many patterns."""
    counts = _terms(patterns, "count(*) FILTER (WHERE patterns @> ARRAY[CAST(:pattern_{i} AS varchar)])", ", ", "")
    score = _terms(
        patterns,
        "CASE WHEN c.patterns @> ARRAY[CAST(:pattern_{i} AS varchar)]"
        " THEN (SELECT weights[{i}] FROM weights) ELSE 0 END",
        " + ",
        "0",
    )
    return f"""
WITH counts AS MATERIALIZED (
    SELECT count(*) AS n,
           CAST(ARRAY[{counts}] AS bigint[]) AS per_pattern
    FROM cases WHERE visibility = ANY (CAST(:levels AS varchar[]))
),
weights AS MATERIALIZED (
    SELECT counts.n,
           coalesce((SELECT array_agg(CASE WHEN p.n > 0 AND p.n < counts.n THEN ln(counts.n::float8 / p.n) ELSE 0 END
                                      ORDER BY p.i)
                     FROM unnest(counts.per_pattern) WITH ORDINALITY AS p(n, i)), '{{}}') AS weights
    FROM counts
),
target_proceedings AS MATERIALIZED (
    SELECT p.id, p.authority_id
    FROM proceeding_cases pc
    JOIN proceedings p ON p.id = pc.proceeding_id AND p.visibility = ANY (CAST(:levels AS varchar[]))
    WHERE pc.case_id = CAST(:id AS uuid)
),
target_authorities AS MATERIALIZED (
    SELECT a.id
    FROM institutions a
    WHERE a.visibility = ANY (CAST(:levels AS varchar[]))
      AND a.id IN (SELECT authority_id FROM target_proceedings UNION SELECT CAST(:parent_id AS uuid))
),
links AS MATERIALIZED (
    SELECT DISTINCT l.kind, l.record_id, l.case_id
    FROM (
        SELECT 'proceeding' AS kind, tp.id AS record_id, pc.case_id
        FROM target_proceedings tp
        JOIN proceeding_cases pc ON pc.proceeding_id = tp.id
        UNION ALL
        SELECT 'authority', ta.id, pc.case_id
        FROM target_authorities ta
        JOIN proceedings p ON p.authority_id = ta.id AND p.visibility = ANY (CAST(:levels AS varchar[]))
        JOIN proceeding_cases pc ON pc.proceeding_id = p.id
        UNION ALL
        SELECT 'authority', ta.id, c.id
        FROM target_authorities ta
        JOIN institutions s ON s.parent_id = ta.id AND s.visibility = ANY (CAST(:levels AS varchar[]))
        JOIN cases c ON c.institution_id = s.id
    ) AS l
    JOIN cases c ON c.id = l.case_id AND c.visibility = ANY (CAST(:levels AS varchar[]))
),
link_weights AS (
    SELECT l.kind, l.record_id, l.case_id,
           CASE WHEN count(*) OVER w < weights.n THEN ln(weights.n::float8 / count(*) OVER w) ELSE 0 END AS weight
    FROM links l, weights
    WINDOW w AS (PARTITION BY l.kind, l.record_id)
),
shared AS MATERIALIZED (
    SELECT coalesce(jsonb_object_agg(s.case_id::text, s.weight), '{{}}') AS weight,
           coalesce(jsonb_object_agg(s.case_id::text, s.records), '{{}}') AS records
    FROM (
        SELECT case_id, sum(weight) AS weight,
               jsonb_build_object(
                   'proceedings', coalesce(jsonb_object_agg(record_id::text, weight)
                                           FILTER (WHERE kind = 'proceeding'), '{{}}'),
                   'authorities', coalesce(jsonb_object_agg(record_id::text, weight)
                                           FILTER (WHERE kind = 'authority'), '{{}}')
               ) AS records
        FROM link_weights
        WHERE case_id <> CAST(:id AS uuid)
        GROUP BY case_id
    ) AS s
),
neighbours AS MATERIALIZED (
    SELECT neighbour FROM state_borders WHERE state = CAST(:state AS varchar)
),
top AS (
    SELECT c.id,
           round(CAST(1000 * (
               {score}
               + coalesce(CAST((SELECT weight FROM shared) ->> CAST(c.id AS text) AS float8), 0)
               + CASE WHEN greatest(c.year_start, CAST(:year_start AS int))
                           <= least(coalesce(c.year_end, c.year_start), CAST(:year_end AS int))
                      THEN CAST(:period_weight AS float8)
                           * (least(coalesce(c.year_end, c.year_start), CAST(:year_end AS int))
                              - greatest(c.year_start, CAST(:year_start AS int)) + 1)
                           / (greatest(coalesce(c.year_end, c.year_start), CAST(:year_end AS int))
                              - least(c.year_start, CAST(:year_start AS int)) + 1)
                      ELSE 0 END
               + CASE WHEN c.state = CAST(:state AS varchar) THEN CAST(:same_state_weight AS float8)
                      WHEN c.state IN (SELECT neighbour FROM state_borders WHERE state = CAST(:state AS varchar))
                      THEN CAST(:neighbouring_state_weight AS float8)
                      ELSE 0 END
               + CASE WHEN c.institution_id IN (
                          SELECT id FROM institutions
                          WHERE sector = CAST(:sector AS varchar) AND visibility = ANY (CAST(:levels AS varchar[])))
                      THEN CAST(:sector_weight AS float8) ELSE 0 END
               + CASE WHEN c.institution_id IN (
                          SELECT id FROM institutions
                          WHERE level = CAST(:level AS varchar) AND visibility = ANY (CAST(:levels AS varchar[])))
                      THEN CAST(:level_weight AS float8) ELSE 0 END
           ) AS float8)) AS millis
    FROM cases c
    WHERE c.visibility = ANY (CAST(:levels AS varchar[])) AND c.id <> CAST(:id AS uuid)
    ORDER BY millis DESC, c.id
    LIMIT CAST(:limit AS int)
)
SELECT c.id, c.title, c.state, c.year_start, c.year_end, c.report_wave, c.patterns, s.sector, s.level,
       top.millis / 1000 AS score,
       c.state IN (SELECT neighbour FROM neighbours) AS neighbour,
       sh.records -> CAST(c.id AS text) AS records,
       w.weights AS pattern_weights
FROM top
JOIN cases c ON c.id = top.id
CROSS JOIN weights w
CROSS JOIN shared sh
LEFT JOIN institutions s ON s.id = c.institution_id AND s.visibility = ANY (CAST(:levels AS varchar[]))
ORDER BY top.millis DESC, top.id
"""  # noqa: S608 (only placeholders are written in)


@dataclass(frozen=True)
class SimilarCase:
    id: uuid.UUID
    title: str
    state: str
    year_start: int
    year_end: int | None
    report_wave: int | None
    sector: str | None
    level: str | None
    score: float
    reasons: list[Reason]


def _facts(row: RowMapping) -> CaseFacts:
    return CaseFacts(
        state=row["state"],
        year_start=row["year_start"],
        year_end=row["year_end"],
        patterns=frozenset(row["patterns"] or ()),
        sector=row["sector"],
        level=row["level"],
    )


def score_parameters(case_id: uuid.UUID, levels: list[str], target: RowMapping, limit: int) -> dict[str, Any]:
    """`score_sql`'s parameters: the target's facts (from TARGET_SQL) and the weights of this module."""
    return {
        "id": case_id,
        "levels": levels,
        **{f"pattern_{i}": p for i, p in enumerate(sorted(target["patterns"] or ()), 1)},
        "parent_id": target["parent_id"],
        "state": target["state"],
        "year_start": target["year_start"],
        "year_end": target["year_end"] if target["year_end"] is not None else target["year_start"],
        "sector": target["sector"],
        "level": target["level"],
        "period_weight": PERIOD_WEIGHT,
        "same_state_weight": SAME_STATE_WEIGHT,
        "neighbouring_state_weight": NEIGHBOURING_STATE_WEIGHT,
        "sector_weight": SECTOR_WEIGHT,
        "level_weight": LEVEL_WEIGHT,
        "limit": limit,
    }


async def similar_cases(session: AsyncSession, caller: Caller, case_id: uuid.UUID, limit: int) -> list[SimilarCase]:
    """The `limit` visible cases most similar to a visible case, best first (NotFound if it is not visible)."""
    connection = await session.connection()
    levels = sorted(v.value for v in visible_levels(caller))
    target = (await connection.execute(text(TARGET_SQL), {"id": case_id, "levels": levels})).mappings().first()
    if target is None:
        raise NotFound(detail="No such case.")
    facts = _facts(target)
    rows = (
        await connection.execute(text(score_sql(len(facts.patterns))), score_parameters(case_id, levels, target, limit))
    ).mappings()
    answer = []
    for row in rows:
        if row["score"] <= 0:  # sorted: the rest share nothing either
            break
        records = row["records"] or {}
        shared = Shared(
            neighbour=bool(row["neighbour"]),
            proceedings=records.get("proceedings", {}),
            authorities=records.get("authorities", {}),
        )
        weights = dict(zip(sorted(facts.patterns), row["pattern_weights"], strict=True))
        reasons = [
            dataclasses.replace(r, weight=round(r.weight, DECIMALS))
            for r in reasons_for(facts, _facts(row), weights, shared)
        ]
        answer.append(
            SimilarCase(
                id=row["id"],
                title=row["title"],
                state=row["state"],
                year_start=row["year_start"],
                year_end=row["year_end"],
                report_wave=row["report_wave"],
                sector=row["sector"],
                level=row["level"],
                score=float(row["score"]),
                reasons=reasons,
            )
        )
    return answer

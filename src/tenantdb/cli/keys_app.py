"""``tenantdb keys``: the keys of encrypted billing secrets (docs/secrets.md) — generate, status, rotate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from tenantdb.cli.documents import emit_json, jsonable
from tenantdb.cli.options import DATABASE, Common, Shared, shared
from tenantdb.cli.render import stderr, stdout
from tenantdb.commands import keys as use_cases
from tenantdb.errors import SecretKeyMissing
from tenantdb.secrets import KeyPurpose, KeyRing, load_keyring

keys_app = typer.Typer(
    help="Keys of encrypted secrets (TENANTDB_SECRET_KEYS or TENANTDB_SECRET_KEYS_FILE; docs/secrets.md): "
    "generate one, count values per key, re-encrypt values under the current key.",
    no_args_is_help=True,
)


@keys_app.command("generate")
@shared(Shared.JSON)
def generate(
    purpose: Annotated[
        KeyPurpose, typer.Option("--purpose", help="enc: encrypts values; mac: keyed hashes of compared values.")
    ] = KeyPurpose.ENCRYPT,
    key_id: Annotated[
        str | None, typer.Option("--id", help="The key's id, stored beside each value \\[default: <purpose>-<date>].")
    ] = None,
    current: Annotated[
        bool, typer.Option("--current", help="Mark it :current (the key new values use while older keys remain).")
    ] = False,
    *,
    common: Common,
) -> None:
    """Print a new random key entry (32 bytes, base64) to add to the key spec; it is stored nowhere else."""
    chosen = key_id or f"{purpose.value}-{datetime.now(UTC):%Y%m%d}"

    def render(entry: str) -> None:
        stdout.print(entry, markup=False)
        stderr.print(
            "add this line to TENANTDB_SECRET_KEYS (or the key file); to rotate, mark it :current, remove the mark "
            "from the old key, deploy, then run `tenantdb keys rotate` (docs/secrets.md)"
        )

    common.run(
        lambda: use_cases.keys_generate(purpose, chosen, current=current),
        render,
        emit=lambda entry: emit_json({"purpose": purpose.value, "key_id": chosen, "current": current, "entry": entry}),
    )


def _optional_keyring() -> KeyRing | None:
    try:
        return load_keyring()
    except SecretKeyMissing:
        return None


@keys_app.command("status")
@shared(*DATABASE)
def status(common: Common) -> None:
    """Rows per key id of every encrypted column (``<name>_ciphertext`` + ``<name>_key_id``)."""

    def render(found: use_cases.KeysStatus) -> None:
        if not found.columns:
            stdout.print("no encrypted columns (<name>_ciphertext with <name>_key_id) in this database")
        for column in found.columns:
            counts = ", ".join(f"{escape(key_id)} {rows}" for key_id, rows in column.key_ids) or "no values"
            current = f" (current key {escape(column.current_key_id)})" if column.current_key_id else ""
            stdout.print(f"{escape(column.table)}.{escape(column.column)}: {counts}{current}")
            if column.unknown_key_ids:
                stderr.print(
                    f"[yellow]warning:[/] {escape(column.table)}.{escape(column.column)} has values under "
                    f"{', '.join(map(escape, column.unknown_key_ids))}, which the configured keys lack"
                )

    common.run(lambda: use_cases.keys_status(common.settings(), _optional_keyring()), render)


@keys_app.command("rotate")
@shared(*DATABASE)
def rotate(
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Rows per batch; each batch is one short transaction.")
    ] = use_cases.DEFAULT_BATCH_SIZE,
    max_batches: Annotated[
        int | None, typer.Option("--max-batches", help="Stop after this many batches; running again continues.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count the rows under an old key per column; change nothing.")
    ] = False,
    *,
    common: Common,
) -> None:
    """Re-encrypt every value under a key other than the current one, online: small batches, rows a writer holds
    are skipped and left for the next run, and an interrupted run continues where it stopped."""

    def progress(step: use_cases.RotationProgress) -> None:
        stderr.print(f"{escape(step.label)}: {step.done}/{step.total} rows re-encrypted")

    def render(report: use_cases.RotationReport) -> None:
        for column in report.columns:
            name = f"{escape(column.table)}.{escape(column.column)}"
            if report.dry_run:
                stdout.print(f"{name}: {column.pending} rows to re-encrypt")
            else:
                stdout.print(
                    f"{name}: {column.rotated} re-encrypted in {column.batches} batches, {column.remaining} left"
                )
        verb = "would move" if report.dry_run else "moved"
        stdout.print(f"{verb} values to key {escape(report.current_key_id)}")
        if report.stopped_early:
            stdout.print(f"stopped after --max-batches; {report.remaining} rows left: run again to continue")
        elif report.exit_code:
            stderr.print(
                f"[yellow]{report.remaining} rows were locked by other transactions and are left under an old "
                "key:[/] run `tenantdb keys rotate` again"
            )

    common.run(
        lambda: use_cases.keys_rotate(
            common.settings(),
            load_keyring(),
            batch_size=batch_size,
            dry_run=dry_run,
            max_batches=max_batches,
            progress=progress,
        ),
        render,
        emit=lambda report: emit_json({**jsonable(report), "remaining": report.remaining}),
    )

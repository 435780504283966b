"""The reviewer workbench: users, decisions, the audit log; runs keep their result; times with zone.

Revision ID: 0002
Revises: 0001

Old runs are filled in from the result.json they left in their output folder
when it is still there (cluster name, region, the result, finding ids); SQLite
times written without a zone were UTC and get their offset.
"""

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("decisions", "audit_log")


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("cluster_name", sa.Text))
        batch.add_column(sa.Column("region", sa.Text))
        batch.add_column(sa.Column("result", sa.JSON))
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("finding_id", sa.String(32)))
        batch.create_index("ix_findings_finding_id", ["finding_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("packet_id", sa.String(255), nullable=False),
        sa.Column("finding_id", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),  # confirm | dismiss | correct
        sa.Column("reason", sa.Text),
        sa.Column("field", sa.String(64)),
        sa.Column("value", sa.JSON),  # the corrected value
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decisions_packet_finding", "decisions", ["packet_id", "finding_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(64)),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("packet_id", sa.String(255)),
        sa.Column("finding_id", sa.String(32)),
        sa.Column("detail", sa.JSON),
    )
    bind = op.get_bind()
    for table in APPEND_ONLY:
        _forbid_rewrites(bind, table)
    if bind.dialect.name == "sqlite":
        for column in ("started_at", "finished_at"):
            bind.exec_driver_sql(
                f"UPDATE runs SET {column} = {column} || '+00:00' "
                f"WHERE {column} NOT LIKE '%+__:__' AND length({column}) = 26"
            )
    _fill_from_result_files(bind)


def _forbid_rewrites(bind, table: str) -> None:
    """Decisions and the audit log are appended to, never updated or deleted."""
    if bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            bind.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
        )
        bind.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def _fill_from_result_files(bind) -> None:
    runs = sa.table("runs", sa.column("id"), sa.column("output_dir"), sa.column("cluster_name"),
                    sa.column("region"), sa.column("result", sa.JSON))
    findings = sa.table("findings", sa.column("id"), sa.column("run_id"), sa.column("code"),
                        sa.column("item"), sa.column("field"), sa.column("finding_id"))
    for run_id, output_dir in bind.execute(sa.select(runs.c.id, runs.c.output_dir)).all():
        path = Path(output_dir) / "result.json" if output_dir else None
        try:
            result = json.loads(path.read_text(encoding="utf-8")) if path else None
        except (OSError, ValueError):
            result = None
        if not isinstance(result, dict):
            continue
        cover = result.get("cover") or {}
        bind.execute(sa.update(runs).where(runs.c.id == run_id).values(
            cluster_name=cover.get("cluster_name"), region=cover.get("region"), result=result))
        with_ids = [f for f in result.get("findings") or [] if f.get("id")]
        rows = bind.execute(sa.select(findings.c.id, findings.c.code, findings.c.item, findings.c.field)
                            .where(findings.c.run_id == run_id).order_by(findings.c.id)).all()
        for row, finding in zip(rows, with_ids):
            if (row.code, row.item, row.field) == (finding.get("code"), finding.get("item"), finding.get("field")):
                bind.execute(sa.update(findings).where(findings.c.id == row.id).values(finding_id=finding["id"]))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in APPEND_ONLY:
            bind.exec_driver_sql(f"DROP TABLE {table}")
            bind.exec_driver_sql(f"DROP FUNCTION {table}_append_only()")
    else:
        for table in APPEND_ONLY:
            op.drop_table(table)
    op.drop_table("users")
    with op.batch_alter_table("findings") as batch:
        batch.drop_index("ix_findings_finding_id")
        batch.drop_column("finding_id")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("result")
        batch.drop_column("region")
        batch.drop_column("cluster_name")

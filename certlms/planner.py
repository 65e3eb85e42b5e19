"""Migration operations that tune PostgreSQL's planner and storage for one table (no-ops elsewhere)."""

from django.db import migrations


def table_setting(app_label: str, model_name: str, forwards: list[str], backwards: list[str]) -> migrations.RunPython:
    """Run ``forwards`` (reversed: ``backwards``) on PostgreSQL, each statement with ``{table}`` the
    model's quoted table name; nothing on another database."""

    def run(statements: list[str]):
        def apply(apps, schema_editor) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return
            table = schema_editor.quote_name(apps.get_model(app_label, model_name)._meta.db_table)
            for statement in statements:
                schema_editor.execute(statement.format(table=table))

        return apply

    return migrations.RunPython(run(forwards), run(backwards))


def certification_statistics(app_label: str, model_name: str, target: int = 10) -> migrations.RunPython:
    """Keep ``target`` most common values in the statistics of the table's ``certification_id``
    (decision 0145), and analyze it; reversed, the server's default again.

    With every certification of a site among the most common values (the default keeps 100), PostgreSQL
    estimated a certification it had not sampled yet (one being assigned now) at one row, planned a
    batch's lookups of that certification's rows as nested loops, and one batch of 10,000 learners of a
    new 100,000-member assignment ran for more than five minutes. With 10, such a certification is
    estimated at the average of the others, and the same batch takes 0.7 s.
    """
    statistics = "ALTER TABLE {table} ALTER COLUMN certification_id SET STATISTICS %d"
    return table_setting(
        app_label,
        model_name,
        [statistics % target, "ANALYZE {table}"],
        [statistics % -1, "ANALYZE {table}"],
    )

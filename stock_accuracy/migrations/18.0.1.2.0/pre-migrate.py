"""18.0.1.2.0 requires the company of the posts queued for an external system.

The queue wrote its posts in SQL without their company (a stored related field the ORM fills
but an INSERT does not), so no manager, not even the backend company's, saw them through the
company rule. Before the column becomes NOT NULL, each post gets its backend's company.

It also renames the fields whose names said something else than what they hold
(:data:`RENAMED_FIELDS`), keeping their values and records."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE stock_accuracy_sync_outbox o
           SET company_id = b.company_id
          FROM stock_accuracy_backend b
         WHERE b.id = o.backend_id AND o.company_id IS NULL
        """
    )
    _rename_fields(cr)


# Fields renamed in 18.0.1.2.0: (model, old name, new name). The class tolerances of a policy
# were named tolerance_qty_* though they hold a percentage of the book.
RENAMED_FIELDS = [
    ("stock.accuracy.policy", f"tolerance_qty_{abc}", f"tolerance_percent_{abc}") for abc in "abc"
]


def _rename_fields(cr):
    """Rename each column and the field's own records in place (same ids: its label, its
    translations, the defaults and tracking that point at it are kept), and the saved
    filters and export lists that name it."""
    for model, old, new in RENAMED_FIELDS:
        table = model.replace(".", "_")
        cr.execute(
            """
            SELECT 1 FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s
            """,
            [table, old],
        )
        if not cr.fetchone():
            continue
        cr.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{old}" TO "{new}"')
        cr.execute(
            "UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s",
            [new, model, old],
        )
        cr.execute(
            """
            UPDATE ir_model_data SET name = %s
             WHERE module = 'stock_accuracy' AND model = 'ir.model.fields' AND name = %s
            """,
            [f"field_{table}__{new}", f"field_{table}__{old}"],
        )
        cr.execute(
            """
            UPDATE ir_exports_line l SET name = %s
              FROM ir_exports e
             WHERE e.id = l.export_id AND e.resource = %s AND l.name = %s
            """,
            [new, model, old],
        )
        for quote in ("'", '"'):
            cr.execute(
                """
                UPDATE ir_filters
                   SET domain = replace(domain, %(old)s, %(new)s),
                       context = replace(context, %(old)s, %(new)s),
                       sort = replace(sort, %(old)s, %(new)s)
                 WHERE model_id = %(model)s
                """,
                {"old": f"{quote}{old}{quote}", "new": f"{quote}{new}{quote}", "model": model},
            )

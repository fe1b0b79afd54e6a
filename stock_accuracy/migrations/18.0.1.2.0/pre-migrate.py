"""18.0.1.2.0 requires the company of the posts queued for an external system.

The queue wrote its posts in SQL without their company (a stored related field the ORM fills
but an INSERT does not), so no manager, not even the backend company's, saw them through the
company rule. Before the column becomes NOT NULL, each post gets its backend's company."""


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

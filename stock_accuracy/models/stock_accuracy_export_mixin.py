from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression

# How long an export can be downloaded after it was made. Its transient record (and the file
# attached to it) is removed by the autovacuum once older, but the vacuum runs once a day:
# until then the expired export is hidden and refused, whatever the path.
EXPORT_LIFETIME_HOURS = 1


class StockAccuracyExportMixin(models.AbstractModel):
    """What the module's exports share (Excel count sheets, KPI workbooks): an export belongs
    to a company; only the user who made it and the Accuracy Managers of its company see it
    (record rules in ``security/stock_accuracy_rules.xml``, which also guard the file
    attached to it, as ``ir.attachment`` checks the record an attachment belongs to); and it
    expires :data:`EXPORT_LIFETIME_HOURS` after it was made: an expired export is no longer
    found by a search and refuses to be read (``read``, ``/web/content``, ``ir.attachment``)
    with an error saying it expired."""

    _name = "stock.accuracy.export.mixin"
    _description = "Private, Expiring Export"

    @api.model
    def _export_cutoff(self):
        """Exports made before this moment have expired."""
        return fields.Datetime.now() - timedelta(hours=EXPORT_LIFETIME_HOURS)

    def _expired_exports(self):
        cutoff = self._export_cutoff()
        return (
            self.sudo()
            .filtered(
                lambda export: export.id and export.create_date and export.create_date < cutoff
            )
            .sudo(self.env.su)
        )

    def _make_expired_error(self):
        return AccessError(
            self.env._(
                "This export has expired: an export can be downloaded for %(hours)s hour(s) "
                "after it was made. Export again.",
                hours=EXPORT_LIFETIME_HOURS,
            )
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            domain = expression.AND([domain, [("create_date", ">=", self._export_cutoff())]])
        return super()._search(domain, offset, limit, order)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result is None and operation == "read" and not self.env.su:
            expired = self._expired_exports()
            if expired:
                return expired, expired._make_expired_error
        return result

    def _check_download(self):
        """Who may download ``self`` over HTTP: returns the expiry error to show if the export
        expired, None if it may be downloaded; raises AccessError if it is not the current
        user's to see at all (the route answers that as a missing page)."""
        self.ensure_one()
        forbidden = super()._check_access("read")
        if forbidden:
            raise forbidden[1]()
        return self._make_expired_error() if self._expired_exports() else None

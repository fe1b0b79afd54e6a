from odoo import models
from odoo.tools import SQL


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    def _accuracy_next_many(self, count):
        """``count`` next references of this sequence drawn in one query: the planner and the
        detectors name hundreds of records at once, and one ``next_by_id`` each (a read and a
        nextval per record) dominated their time. Sequences PostgreSQL cannot serve in one
        ``nextval`` batch (no-gap, or per date range) are drawn one by one."""
        self.ensure_one()
        if not count:
            return []
        if self.implementation != "standard" or self.use_date_range:
            return [self._next() for _index in range(count)]
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{self.id:03d}",
                count,
            )
        )
        return [self.get_next_char(number) for (number,) in self.env.cr.fetchall()]

from odoo import models

# The users who may own, follow up or count for a record of a company: its internal users. The
# domain of every field that picks such a user; :meth:`ResUsers._accuracy_internal_of` is the
# same rule in Python.
INTERNAL_USER_OF_COMPANY = "[('share', '=', False), ('company_ids', 'in', company_id)]"


class ResUsers(models.Model):
    _inherit = "res.users"

    def _accuracy_internal_of(self, company):
        """Those of these users who are active internal users of ``company``."""
        return self.filtered(lambda u: u.active and not u.share and company in u.company_ids)

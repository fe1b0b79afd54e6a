from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StockAccuracyBackendLocation(models.Model):
    """Which Odoo location an external location code stands for. Codes without a mapping are
    looked up by location barcode under the backend's mirrored locations."""

    _name = "stock.accuracy.backend.location"
    _inherit = ["stock.accuracy.guarded"]
    _description = "External Location Mapping"
    _order = "backend_id, external_code"
    _rec_name = "external_code"

    backend_id = fields.Many2one(
        "stock.accuracy.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_code = fields.Char(string="External Location", required=True)
    location_id = fields.Many2one(
        "stock.location",
        required=True,
        ondelete="cascade",
        domain="[('usage', '=', 'internal')]",
    )

    _sql_constraints = [
        (
            "external_code_uniq",
            "UNIQUE(backend_id, external_code)",
            "An external location can be mapped only once per external system.",
        ),
    ]

    @api.constrains("location_id", "backend_id")
    def _check_location_mirrored(self):
        for mapping in self:
            mirrored = mapping.backend_id._get_mirrored_locations()
            if not mapping.location_id.filtered_domain([("id", "child_of", mirrored.ids)]):
                raise ValidationError(
                    self.env._(
                        "%(location)s is not among the locations %(backend)s mirrors.",
                        location=mapping.location_id.complete_name,
                        backend=mapping.backend_id.name,
                    )
                )

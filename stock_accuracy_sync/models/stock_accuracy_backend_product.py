from odoo import fields, models


class StockAccuracyBackendProduct(models.Model):
    """How an external system names a product, for backends that match products by table."""

    _name = "stock.accuracy.backend.product"
    _inherit = ["stock.accuracy.guarded"]
    _description = "External Product Mapping"
    _order = "backend_id, external_code"
    _rec_name = "external_code"

    backend_id = fields.Many2one(
        "stock.accuracy.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_code = fields.Char(string="External SKU", required=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        ondelete="cascade",
        domain="[('is_storable', '=', True)]",
    )

    _sql_constraints = [
        (
            "external_code_uniq",
            "UNIQUE(backend_id, external_code)",
            "An external SKU can be mapped only once per external system.",
        ),
    ]

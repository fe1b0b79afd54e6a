from odoo import models


class ProductProduct(models.Model):
    _name = "product.product"
    _inherit = ["product.product", "stock.accuracy.exception.mixin"]
    _accuracy_exception_path = "product_id"

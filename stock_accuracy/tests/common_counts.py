from datetime import timedelta

from odoo import fields

from .common import AccuracyCommon


class CountCommon(AccuracyCommon):
    """A warehouse of its own with two zones and helpers to move stock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wh = cls.env["stock.warehouse"].create({"name": "Accuracy Test WH", "code": "ATW"})
        cls.policy = cls.wh.accuracy_policy_id
        # The rules that change Odoo's flows are off until a manager turns them on.
        cls.policy.write(
            {
                "apply_count_rules": True,
                "lock_full_counts": True,
                "spot_on_negative": True,
                "spot_on_zero": True,
            }
        )
        cls.stock = cls.wh.lot_stock_id
        Location = cls.env["stock.location"]
        cls.zone_1 = Location.create({"name": "Z1", "location_id": cls.stock.id})
        cls.zone_2 = Location.create({"name": "Z2", "location_id": cls.stock.id})
        cls.aisle_1a = Location.create({"name": "A", "location_id": cls.zone_1.id})
        cls.aisle_1b = Location.create({"name": "B", "location_id": cls.zone_1.id})
        cls.aisle_2a = Location.create({"name": "A", "location_id": cls.zone_2.id})
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.suppliers = cls.env.ref("stock.stock_location_suppliers")

    @classmethod
    def _product(cls, name, cost=10.0):
        return cls.env["product.product"].create(
            {"name": name, "is_storable": True, "standard_price": cost}
        )

    @classmethod
    def _put(cls, product, location, qty, days_ago=0):
        cls.env["stock.quant"]._update_available_quantity(product, location, qty)
        quants = cls.env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", location.id)]
        )
        if days_ago:
            quants.write({"in_date": fields.Datetime.now() - timedelta(days=days_ago)})
        return quants

    @classmethod
    def _move(cls, product, source, destination, qty):
        move = cls.env["stock.move"].create(
            {
                "name": product.name,
                "product_id": product.id,
                "product_uom_qty": qty,
                "product_uom": product.uom_id.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        move.quantity = qty
        move.picked = True
        move._action_done()
        return move

    def _spot_counts(self, trigger=None):
        domain = [("warehouse_id", "=", self.wh.id), ("count_type", "=", "spot")]
        if trigger:
            domain.append(("trigger", "=", trigger))
        return self.env["stock.accuracy.count"].search(domain)

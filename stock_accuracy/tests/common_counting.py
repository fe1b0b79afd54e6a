from odoo import Command
from odoo.tests import new_test_user

from .common_counts import CountCommon


class CountingCommon(CountCommon):
    """Two counters, two managers, a blind session helper and stock to count."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.counter_2 = new_test_user(
            cls.env,
            "sa_counter_2",
            groups="stock_accuracy.group_accuracy_counter",
            name="Ravi Recounter",
        )
        cls.manager_2 = new_test_user(
            cls.env,
            "sa_manager_2",
            groups="stock_accuracy.group_accuracy_manager",
            name="Max Manager",
        )
        cls.policy.write(
            {
                "counter_ids": [Command.set((cls.counter | cls.counter_2).ids)],
                "tolerance_percent_a": 1.0,
                "tolerance_percent_b": 2.0,
                "tolerance_percent_c": 5.0,
            }
        )
        cls.env.company.accuracy_variance_value_threshold = 100000.0
        cls.aisle_1a.barcode = "LOC-Z1A"
        cls.aisle_2a.barcode = "LOC-Z2A"
        cls.widget = cls._product("Count Widget", cost=10.0)
        cls.widget.barcode = "WIDGET-001"
        cls.bolt = cls._product("Count Bolt", cost=2.0)
        cls.bolt.barcode = "BOLT-001"
        cls.serial_product = cls.env["product.product"].create(
            {"name": "Count Scope", "is_storable": True, "tracking": "serial", "standard_price": 50}
        )
        cls.serial_1 = cls.env["stock.lot"].create(
            {"name": "SCOPE-SN-1", "product_id": cls.serial_product.id}
        )
        cls.widget_quant = cls._put(cls.widget, cls.aisle_1a, 100)
        cls.bolt_quant = cls._put(cls.bolt, cls.aisle_1a, 40)
        cls.miscount = cls.env.ref("stock_accuracy.reason_cnt")
        cls.damage = cls.env.ref("stock_accuracy.reason_dmg")

    def _session(self, quants, counter=None, blind=True):
        count = (
            self.env["stock.accuracy.count"]
            .with_user(self.manager)
            .create(
                {
                    "warehouse_id": self.wh.id,
                    "count_type": "cycle",
                    "blind": blind,
                    "counter_ids": [Command.set((counter or self.counter).ids)],
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": quant.product_id.id,
                                "location_id": quant.location_id.id,
                                "lot_id": quant.lot_id.id,
                            }
                        )
                        for quant in quants
                    ],
                }
            )
        )
        count.action_start()
        return count.with_user(counter or self.counter)

    def _line(self, count, product):
        return count.line_ids.filtered(lambda ln: ln.product_id == product)

    def _count(self, count, quantities, user=None):
        """Count {product: quantity} as ``user`` and submit."""
        count = count.with_user(user or self.counter)
        for product, qty in quantities.items():
            self._line(count, product).write({"counted_quantity": qty})
        count.action_submit()
        return count

    def _recount_of(self, line):
        return line.sudo().recount_line_id

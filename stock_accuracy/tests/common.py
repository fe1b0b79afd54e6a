"""The worlds the module's tests start from, one class each, each built on the one before:
``AccuracyCommon`` (a warehouse and one user per role), ``CountCommon`` (a warehouse of its own
with a policy and a location tree), ``CountingCommon`` (stock to count and counters),
``AccuracyCheckCommon`` (transfers to double-check) and ``ExceptionCommon`` (exceptions)."""

import json
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class AccuracyCommon(BaseCommon):
    """The world most accuracy tests start from: a warehouse and one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.counter = new_test_user(
            cls.env,
            "sa_counter",
            groups="stock_accuracy.group_accuracy_counter",
            name="Cora Counter",
        )
        cls.checker = new_test_user(
            cls.env,
            "sa_checker",
            groups="stock_accuracy.group_accuracy_checker",
            name="Chen Checker",
        )
        cls.manager = new_test_user(
            cls.env,
            "sa_manager",
            groups="stock_accuracy.group_accuracy_manager",
            name="Mia Manager",
        )
        cls.stock_user = new_test_user(
            cls.env,
            "sa_stock_user",
            groups="stock.group_stock_user",
            name="Sam Stock",
        )


def call_kw(case, model, method, args, kwargs=None):
    """The decoded answer of one JSON-RPC call of ``model.method`` through
    ``/web/dataset/call_kw`` of ``case``'s test server (an HttpCase), in its current session,
    as a web client or a script sends it."""
    response = case.url_open(
        f"/web/dataset/call_kw/{model}/{method}",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs or {},
                },
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    case.assertEqual(response.status_code, 200)
    return response.json()


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


class AccuracyCheckCommon(AccuracyCommon):
    """A delivery type with a blind double-check, stocked products and a prepared delivery."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.out_type = cls.warehouse.out_type_id
        cls.out_type.write(
            {
                "accuracy_check_mode": "required",
                "accuracy_check_blind": True,
                "accuracy_check_scan_lot": True,
                "accuracy_check_allow_typing": True,
            }
        )
        cls.customers = cls.env.ref("stock.stock_location_customers")
        Product = cls.env["product.product"]
        cls.product_a = Product.create(
            {"name": "Check Bolt", "is_storable": True, "barcode": "TSA-BOLT"}
        )
        cls.product_b = Product.create(
            {"name": "Check Nut", "is_storable": True, "barcode": "TSA-NUT"}
        )
        cls.product_serial = Product.create(
            {
                "name": "Check Motor",
                "is_storable": True,
                "barcode": "TSA-MOTOR",
                "tracking": "serial",
            }
        )
        cls.product_other = Product.create(
            {"name": "Check Gear", "is_storable": True, "barcode": "TSA-GEAR"}
        )
        Quant = cls.env["stock.quant"]
        for product in cls.product_a | cls.product_b | cls.product_other:
            Quant._update_available_quantity(product, cls.stock_location, 100)
        cls.serials = cls.env["stock.lot"].create(
            [{"name": f"TSA-MOTOR-{n}", "product_id": cls.product_serial.id} for n in range(1, 4)]
        )
        for serial in cls.serials:
            Quant._update_available_quantity(
                cls.product_serial, cls.stock_location, 1, lot_id=serial
            )

    @classmethod
    def _create_delivery(cls, lines, picking_type=None, prepare=True, user=None):
        """A ready delivery of ``[(product, qty)]``, its quantities set by ``user``."""
        picking_type = picking_type or cls.out_type
        user = user or cls.stock_user
        picking = (
            cls.env["stock.picking"]
            .with_user(user)
            .create(
                {
                    "picking_type_id": picking_type.id,
                    "location_id": cls.stock_location.id,
                    "location_dest_id": cls.customers.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.name,
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "product_uom": product.uom_id.id,
                                "location_id": cls.stock_location.id,
                                "location_dest_id": cls.customers.id,
                            }
                        )
                        for product, qty in lines
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.action_assign()
        if prepare:
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
        return picking.with_env(cls.env)

    def _check_as(self, picking, user=None):
        """The picking's open check, as ``user`` (the checker by default)."""
        return picking.accuracy_check_id.with_user(user or self.checker)

    def _scan(self, check, *barcodes):
        results = [check.action_scan(barcode) for barcode in barcodes]
        return results[-1] if len(results) == 1 else results


class ExceptionCommon(AccuracyCommon):
    """Accuracy users plus products to raise inventory exceptions about."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Exception = cls.env["stock.accuracy.exception"]
        cls.product = cls.env["product.product"].create(
            {"name": "Accuracy Widget", "is_storable": True, "standard_price": 12.5}
        )
        cls.lot_product = cls.env["product.product"].create(
            {"name": "Accuracy Lot Widget", "is_storable": True, "tracking": "lot"}
        )
        cls.type_variance = cls.env.ref("stock_accuracy.exception_type_count_variance")
        cls.reason_miscount = cls.env.ref("stock_accuracy.reason_cnt")
        cls.activity_type = cls.env.ref("stock_accuracy.mail_activity_type_accuracy_exception")

    def _raise(self, type_code="count_variance", source=None, **values):
        values.setdefault("product_id", self.product.id)
        values.setdefault("location_id", self.stock_location.id)
        return self.Exception._raise_exception(type_code, source, values)

    def _tracked(self, records):
        """``records`` with chatter tracking on (the test base class turns it off)."""
        return records.with_context(tracking_disable=False, mail_notrack=False)

    def _tracked_fields(self, exception):
        self.env.flush_all()
        self.env.cr.precommit.run()
        return exception.message_ids.tracking_value_ids

    def _owner_activities(self, exception):
        return exception.activity_ids.filtered(lambda a: a.activity_type_id == self.activity_type)

    @staticmethod
    def _past(days=1):
        return fields.Datetime.now() - timedelta(days=days)

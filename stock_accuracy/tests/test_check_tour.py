from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCheckTour(HttpCase):
    def test_checker_scans_delivery_meets_mismatch_and_passes(self):
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        out_type = warehouse.out_type_id.copy(
            {
                "name": "Tour Checked Deliveries",
                "sequence_code": "TOURCHK",
                "accuracy_check_mode": "required",
                "accuracy_check_blind": True,
            }
        )
        stock = warehouse.lot_stock_id
        customers = self.env.ref("stock.stock_location_customers")
        Product = self.env["product.product"]
        bolt = Product.create({"name": "Tour Bolt", "is_storable": True, "barcode": "TOUR-BOLT"})
        Product.create({"name": "Tour Gear", "is_storable": True, "barcode": "TOUR-GEAR"})
        self.env["stock.quant"]._update_available_quantity(bolt, stock, 10)
        picker = new_test_user(self.env, "tour_picker", groups="stock.group_stock_user")
        new_test_user(
            self.env,
            "tour_checker",
            password="tour_checker",
            groups="stock_accuracy.group_accuracy_checker",
            name="Tour Checker",
        )
        picking = (
            self.env["stock.picking"]
            .with_user(picker)
            .create(
                {
                    "picking_type_id": out_type.id,
                    "location_id": stock.id,
                    "location_dest_id": customers.id,
                    "origin": "TOUR-DELIVERY",
                    "move_ids": [
                        Command.create(
                            {
                                "name": bolt.name,
                                "product_id": bolt.id,
                                "product_uom_qty": 2,
                                "product_uom": bolt.uom_id.id,
                                "location_id": stock.id,
                                "location_dest_id": customers.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        self.assertEqual(picking.accuracy_check_state, "to_check")
        self.start_tour(
            "/odoo/action-stock_accuracy.action_accuracy_check_screen",
            "stock_accuracy_double_check",
            login="tour_checker",
            timeout=120,
        )
        self.assertEqual(picking.accuracy_check_state, "passed")
        self.assertEqual(picking.accuracy_check_id.checker_id.login, "tour_checker")
        picking.with_user(picker).button_validate()
        self.assertEqual(picking.state, "done")

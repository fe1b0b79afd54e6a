from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTours(HttpCase):
    def test_counter_opens_inventory_accuracy(self):
        new_test_user(
            self.env,
            "tour_counter",
            password="tour_counter",
            groups="stock_accuracy.group_accuracy_counter",
            name="Tour Counter",
        )
        self.start_tour("/odoo", "stock_accuracy_counter_menu", login="tour_counter", timeout=90)

    def test_manager_resolves_and_closes_an_exception(self):
        manager = new_test_user(
            self.env,
            "tour_manager",
            password="tour_manager",
            groups="stock_accuracy.group_accuracy_manager,stock.group_stock_user",
            name="Tour Manager",
            company_ids=[Command.set(self.env.company.ids)],
        )
        product = self.env["product.product"].create({"name": "Tour Gadget", "is_storable": True})
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        exception = self.env["stock.accuracy.exception"]._raise_exception(
            "count_variance",
            None,
            {
                "product_id": product.id,
                "location_id": warehouse.lot_stock_id.id,
                "quantity": -2,
                "user_id": manager.id,
            },
        )
        self.start_tour(
            "/odoo/action-stock_accuracy.action_stock_accuracy_exception",
            "stock_accuracy_exception_resolve",
            login="tour_manager",
            timeout=120,
        )
        self.assertEqual(exception.state, "closed")
        self.assertEqual(exception.closed_by_id, manager)
        self.assertEqual(exception.reason_id, self.env.ref("stock_accuracy.reason_cnt"))
        self.assertIn("Recounted", exception.corrective_action)

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTours(HttpCase):
    def test_counter_opens_the_counting_app(self):
        new_test_user(
            self.env,
            "tour_counter",
            password="tour_counter",
            groups="stock_accuracy.group_accuracy_counter",
            name="Tour Counter",
        )
        self.start_tour("/odoo", "stock_accuracy_counter_menu", login="tour_counter", timeout=240)

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

    def test_manager_previews_and_plans_counts(self):
        new_test_user(
            self.env,
            "tour_planner",
            password="tour_planner",
            groups="stock_accuracy.group_accuracy_manager",
            name="Tour Planner",
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        product = self.env["product.product"].create({"name": "Tour Bin Item", "is_storable": True})
        self.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 5)
        self.env["stock.quant"].search([("product_id", "=", product.id)]).write(
            {"in_date": "2020-01-01 00:00:00"}
        )
        self.start_tour("/odoo", "stock_accuracy_plan_counts", login="tour_planner", timeout=120)
        lines = self.env["stock.accuracy.count.line"].search([("product_id", "=", product.id)])
        self.assertEqual(lines.count_id.count_type, "cycle")


@tagged("post_install", "-at_install")
class TestCountTours(HttpCase):
    def test_blind_count_by_scanning_recount_and_approval(self):
        counter_1, counter_2 = (
            new_test_user(
                self.env,
                login,
                password=login,
                groups="stock_accuracy.group_accuracy_counter",
                name=login,
            )
            for login in ("tour_cnt1", "tour_cnt2")
        )
        new_test_user(
            self.env,
            "tour_approver",
            password="tour_approver",
            groups="stock_accuracy.group_accuracy_manager,stock.group_stock_user",
            name="Tour Approver",
            company_ids=[Command.set(self.env.company.ids)],
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        warehouse.accuracy_policy_id.counter_ids = [Command.set((counter_1 | counter_2).ids)]
        location = self.env["stock.location"].create(
            {"name": "TOURBIN", "barcode": "TOUR-LOC", "location_id": warehouse.lot_stock_id.id}
        )
        product = self.env["product.product"].create(
            {"name": "Tour Gizmo", "is_storable": True, "barcode": "TOUR-GIZMO"}
        )
        self.env["stock.quant"]._update_available_quantity(product, location, 10)
        count = self.env["stock.accuracy.count"].create(
            {
                "warehouse_id": warehouse.id,
                "blind": True,
                "counter_ids": [Command.set(counter_1.ids)],
                "line_ids": [
                    Command.create(
                        {"product_id": product.id, "location_id": location.id, "book_quantity": 10}
                    )
                ],
            }
        )
        count.action_start()
        self.start_tour(
            f"/odoo/action-stock_accuracy.action_accuracy_count/{count.id}",
            "stock_accuracy_blind_count_scan",
            login="tour_cnt1",
            timeout=180,
        )
        line = count.line_ids
        self.assertEqual((line.counted_quantity, line.state), (3, "recount"))
        recount = line.recount_line_id.count_id
        self.assertEqual(recount.counter_ids, counter_2)
        self.start_tour(
            f"/odoo/action-stock_accuracy.action_accuracy_count/{recount.id}",
            "stock_accuracy_recount_scan",
            login="tour_cnt2",
            timeout=180,
        )
        self.assertEqual(line.state, "to_approve")
        self.start_tour(
            "/odoo/action-stock_accuracy.action_accuracy_count_line_approval",
            "stock_accuracy_approve_count",
            login="tour_approver",
            timeout=180,
        )
        self.assertEqual(line.state, "done")
        self.assertEqual(
            line.move_ids.accuracy_reason_id, self.env.ref("stock_accuracy.reason_dmg")
        )
        self.assertEqual(self.env["stock.quant"]._get_available_quantity(product, location), 3)

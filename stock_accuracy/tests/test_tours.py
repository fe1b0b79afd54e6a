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

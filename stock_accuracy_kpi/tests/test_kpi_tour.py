from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestKpiTour(HttpCase):
    def test_manager_opens_the_overview_and_clicks_through_to_a_pivot(self):
        new_test_user(
            self.env,
            "tour_kpi_manager",
            password="tour_kpi_manager",
            groups="stock_accuracy.group_accuracy_manager,stock.group_stock_user",
            name="Tour KPI Manager",
            company_ids=[Command.set(self.env.company.ids)],
        )
        self.start_tour(
            "/odoo/action-stock_accuracy_kpi.action_accuracy_kpi_dashboard",
            "stock_accuracy_kpi_dashboard",
            login="tour_kpi_manager",
            timeout=300,
        )

from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AccuracyCommon


@tagged("post_install", "-at_install")
class TestSettings(AccuracyCommon):
    def test_defaults_on_every_company(self):
        company = self.env["res.company"].create({"name": "Second Tenant Co"})
        self.assertEqual(company.accuracy_dead_stock_days, 180)
        self.assertEqual(company.accuracy_count_max_age_hours, 72)
        self.assertEqual(company.accuracy_variance_value_threshold, 1000.0)

    def test_settings_write_to_the_current_company(self):
        settings = self.env["res.config.settings"].create(
            {
                "accuracy_dead_stock_days": 90,
                "accuracy_variance_value_threshold": 250.0,
                "accuracy_count_max_age_hours": 24,
            }
        )
        settings.execute()
        self.assertEqual(self.company.accuracy_dead_stock_days, 90)
        self.assertEqual(self.company.accuracy_variance_value_threshold, 250.0)
        self.assertEqual(self.company.accuracy_count_max_age_hours, 24)

    @mute_logger("odoo.sql_db")
    def test_dead_stock_days_must_be_positive(self):
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.company.write({"accuracy_dead_stock_days": 0})
            self.env.flush_all()

    @mute_logger("odoo.sql_db")
    def test_variance_threshold_cannot_be_negative(self):
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.company.write({"accuracy_variance_value_threshold": -1})
            self.env.flush_all()

    def test_settings_view_shows_the_accuracy_block(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="stock_accuracy_setting_container"', arch)
        self.assertIn('name="accuracy_dead_stock_days"', arch)

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import AccuracyCommon


@tagged("post_install", "-at_install")
class TestPolicy(AccuracyCommon):
    def test_every_warehouse_has_a_default_policy(self):
        warehouses = self.env["stock.warehouse"].search([])
        self.assertTrue(all(wh.accuracy_policy_id for wh in warehouses))
        new = self.env["stock.warehouse"].create({"name": "Policy WH", "code": "PWH"})
        policy = new.accuracy_policy_id
        self.assertEqual((policy.interval_a, policy.interval_b, policy.interval_c), (30, 90, 180))
        self.assertEqual(
            (policy.tolerance_percent_a, policy.tolerance_percent_b, policy.tolerance_percent_c),
            (1.0, 2.0, 5.0),
        )
        self.assertEqual((policy.cutoff_a, policy.cutoff_b, policy.cutoff_c), (80, 15, 5))
        self.assertTrue(policy.blind)
        self.assertEqual(policy.classification_window_days, 365)

    def test_cutoffs_must_add_up_to_100(self):
        policy = self.warehouse.accuracy_policy_id
        with self.assertRaises(ValidationError):
            policy.write({"cutoff_a": 70.0})

    def test_intervals_and_capacity_must_be_positive(self):
        policy = self.warehouse.accuracy_policy_id
        with self.assertRaises(ValidationError):
            policy.write({"interval_b": 0})
        with self.assertRaises(ValidationError):
            policy.write({"interval_a": -5})
        with self.assertRaises(ValidationError):
            policy.write({"daily_capacity": 0})

    def test_at_least_one_counting_day(self):
        policy = self.warehouse.accuracy_policy_id
        days = ["count_on_mon", "count_on_tue", "count_on_wed", "count_on_thu", "count_on_fri"]
        with self.assertRaises(ValidationError):
            policy.write(dict.fromkeys(days, False))

    def test_policy_of_another_company_is_refused(self):
        other = self.env["res.company"].create({"name": "Other Accuracy Co"})
        policy = self.warehouse.accuracy_policy_id
        with self.assertRaises(UserError):
            policy.write({"company_id": other.id})

    def test_only_managers_change_policies(self):
        policy = self.warehouse.accuracy_policy_id
        with self.assertRaises(AccessError):
            policy.with_user(self.checker).write({"interval_a": 10})
        policy.with_user(self.manager).write({"interval_a": 10})
        self.assertEqual(policy.interval_a, 10)

    def test_warehouse_opens_its_policy(self):
        action = self.warehouse.with_user(self.manager).action_open_accuracy_policy()
        self.assertEqual(action["res_id"], self.warehouse.accuracy_policy_id.id)

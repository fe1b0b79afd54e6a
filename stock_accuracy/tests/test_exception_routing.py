from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ExceptionCommon


@tagged("post_install", "-at_install")
class TestExceptionRouting(ExceptionCommon):
    """Every exception gets an owner, a deadline and an activity, never an orphan."""

    def _rule(self, **values):
        values.setdefault("company_id", self.company.id)
        return self.env["stock.accuracy.exception.rule"].create(values)

    def test_rule_sets_owner_deadline_severity_and_activity(self):
        self._rule(
            warehouse_id=self.warehouse.id,
            type_id=self.type_variance.id,
            user_id=self.checker.id,
            deadline_value=2,
            deadline_unit="days",
            severity="critical",
        )
        exception = self._raise(quantity=-4)
        self.assertEqual(exception.user_id, self.checker)
        self.assertEqual(exception.severity, "critical")
        self.assertEqual(exception.state, "new")
        self.assertTrue(exception.name.startswith("EXC/"))
        self.assertEqual(exception.warehouse_id, self.warehouse)
        expected = self.company._accuracy_plan_working_days(2, fields.Datetime.now())
        self.assertEqual(exception.date_deadline, expected)
        self.assertGreater(exception.date_deadline, fields.Datetime.now() + timedelta(days=1))
        activity = self._owner_activities(exception)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.checker)
        self.assertEqual(activity.date_deadline, exception.date_deadline.date())
        # It shows in the owner's own activity list.
        mine = (
            self.env["mail.activity"]
            .with_user(self.checker)
            .search([("res_model", "=", exception._name), ("res_id", "=", exception.id)])
        )
        self.assertEqual(mine, activity)

    def test_working_day_deadline_skips_the_weekend(self):
        friday = fields.Datetime.to_datetime("2026-11-27 10:00:00")
        deadline = self.company._accuracy_plan_working_days(1, friday)
        self.assertEqual(deadline.date(), fields.Date.to_date("2026-11-30"))

    def test_deadline_in_hours(self):
        self._rule(type_id=self.type_variance.id, deadline_value=4, deadline_unit="hours")
        before = fields.Datetime.now()
        exception = self._raise()
        self.assertLessEqual(exception.date_deadline - before, timedelta(hours=4, seconds=5))
        self.assertGreaterEqual(exception.date_deadline - before, timedelta(hours=4))

    def test_most_specific_rule_by_sequence_wins(self):
        self._rule(sequence=20, user_id=self.counter.id)
        self._rule(sequence=5, type_id=self.type_variance.id, user_id=self.checker.id)
        self.assertEqual(self._raise().user_id, self.checker)
        self.assertEqual(self._raise("damage").user_id, self.counter)

    def test_without_rule_the_warehouse_accuracy_manager_owns_it(self):
        self.warehouse.accuracy_manager_id = self.manager
        exception = self._raise()
        self.assertEqual(exception.user_id, self.manager)
        self.assertEqual(self._owner_activities(exception).user_id, self.manager)

    def test_without_rule_nor_warehouse_manager_an_accuracy_manager_owns_it(self):
        self.warehouse.accuracy_manager_id = False
        exception = self._raise()
        self.assertTrue(exception.user_id.has_group("stock_accuracy.group_accuracy_manager"))
        self.assertIn(self.company, exception.user_id.company_ids)
        self.assertTrue(self._owner_activities(exception))

    def test_archived_rule_owner_falls_back_to_warehouse_manager(self):
        owner = new_test_user(self.env, "sa_leaver", groups="stock_accuracy.group_accuracy_counter")
        self._rule(type_id=self.type_variance.id, user_id=owner.id)
        self.warehouse.accuracy_manager_id = self.manager
        owner.active = False
        self.assertEqual(self._raise().user_id, self.manager)

    def test_rule_rejects_archived_owner(self):
        owner = new_test_user(
            self.env, "sa_archived", groups="stock_accuracy.group_accuracy_counter"
        )
        owner.active = False
        with self.assertRaises(ValidationError):
            self._rule(user_id=owner.id)

    def test_rule_rejects_warehouse_of_another_company(self):
        other = self.env["res.company"].create({"name": "Other Accuracy Co"})
        other_warehouse = self.env["stock.warehouse"].search([("company_id", "=", other.id)])
        with self.assertRaises(UserError):
            self._rule(warehouse_id=other_warehouse.id)

    def test_rule_rejects_owner_outside_the_company(self):
        other = self.env["res.company"].create({"name": "Elsewhere Co"})
        outsider = new_test_user(
            self.env,
            "sa_outsider",
            groups="stock_accuracy.group_accuracy_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        with self.assertRaises(ValidationError):
            self._rule(user_id=outsider.id)

    def test_raise_rejects_archived_or_unknown_owner(self):
        archived = new_test_user(
            self.env, "sa_gone", groups="stock_accuracy.group_accuracy_counter"
        )
        archived.active = False
        with self.assertRaises(UserError):
            self._raise(user_id=archived.id)
        with self.assertRaises(UserError):
            self._raise(user_id=999999)

    def test_raise_needs_a_product_when_the_type_does(self):
        self.assertTrue(self.type_variance.requires_product)
        with self.assertRaises(UserError):
            self.Exception._raise_exception(
                "count_variance", None, {"location_id": self.stock_location.id}
            )

    def test_raise_rejects_unknown_type(self):
        with self.assertRaises(UserError):
            self._raise("no_such_type")

    def test_manager_type_without_code_change(self):
        self.env["stock.accuracy.exception.type"].with_user(self.manager).create(
            {"code": "label_missing", "name": "Missing Label", "requires_product": False}
        )
        exception = self.Exception._raise_exception(
            "label_missing", None, {"location_id": self.stock_location.id}
        )
        self.assertEqual(exception.type_id.name, "Missing Label")
        self.assertTrue(exception.user_id)

    def test_reassigning_moves_the_activity(self):
        exception = self._raise()
        self._tracked(exception).with_user(self.manager).user_id = self.checker
        activity = self._owner_activities(exception)
        self.assertEqual(activity.user_id, self.checker)
        tracked = self._tracked_fields(exception).filtered(lambda t: t.field_id.name == "user_id")
        self.assertTrue(tracked)

    def test_source_document_fills_product_location_and_lot(self):
        lot = self.env["stock.lot"].create({"name": "LOT-ACC-1", "product_id": self.lot_product.id})
        quant = self.env["stock.quant"]._update_available_quantity(
            self.lot_product, self.stock_location, 5, lot_id=lot
        )
        quant = self.env["stock.quant"]._gather(self.lot_product, self.stock_location, lot_id=lot)
        exception = self.Exception._raise_exception("count_variance", quant, {"quantity": 2})
        self.assertEqual(exception.product_id, self.lot_product)
        self.assertEqual(exception.location_id, self.stock_location)
        self.assertEqual(exception.lot_id, lot)
        self.assertEqual(exception.source_ref, quant)

    def test_source_of_an_unsupported_model_is_refused(self):
        with self.assertRaises(UserError):
            self._raise(source=self.env.user.partner_id)

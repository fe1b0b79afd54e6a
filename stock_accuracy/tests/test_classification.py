from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CountCommon


@tagged("post_install", "-at_install")
class TestClassification(CountCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._product("ABC 1", cost=70.0)
        cls.p2 = cls._product("ABC 2", cost=20.0)
        cls.p3 = cls._product("ABC 3", cost=6.0)
        cls.p4 = cls._product("ABC 4", cost=4.0)
        cls.p5 = cls._product("ABC 5 idle", cost=100.0)
        for product in cls.p1 | cls.p2 | cls.p3 | cls.p4 | cls.p5:
            cls._put(product, cls.aisle_1a, 100)
        # value out: 700, 200, 60, 40 (70 %, 20 %, 6 %, 4 %); p5 never leaves
        cls._move(cls.p1, cls.aisle_1a, cls.customers, 10)
        cls._move(cls.p2, cls.aisle_1a, cls.customers, 10)
        cls._move(cls.p3, cls.aisle_1a, cls.customers, 5)
        cls._move(cls.p3, cls.aisle_1a, cls.customers, 5)
        cls._move(cls.p4, cls.aisle_1a, cls.customers, 10)

    def _compute(self, user=None):
        Classification = self.env["stock.accuracy.classification"]
        if user:
            Classification = Classification.with_user(user)
        return Classification._compute_classification(self.policy)

    def _classes(self):
        lines = self.env["stock.accuracy.classification"].search(
            [("warehouse_id", "=", self.wh.id)]
        )
        return {line.product_id: line for line in lines}

    def test_cutoffs_split_products_by_cumulative_value(self):
        run = self._compute(self.manager)
        classes = self._classes()
        self.assertEqual(classes[self.p1].abc_class, "a")
        self.assertEqual(classes[self.p2].abc_class, "a", "70 % before it: still inside A")
        self.assertEqual(classes[self.p3].abc_class, "b")
        self.assertEqual(classes[self.p4].abc_class, "c")
        self.assertEqual(classes[self.p5].abc_class, "c")
        self.assertTrue(classes[self.p5].no_movement)
        self.assertFalse(classes[self.p4].no_movement)
        self.assertAlmostEqual(classes[self.p1].value_out, 700.0)
        self.assertAlmostEqual(classes[self.p1].share, 70.0)
        self.assertAlmostEqual(classes[self.p4].cumulative_share, 100.0)
        self.assertEqual((run.count_a, run.count_b, run.count_c), (2, 1, 2))
        self.assertEqual(run.count_no_movement, 1)
        self.assertEqual(run.user_id, self.manager)

    def test_cutoffs_follow_the_policy(self):
        self.policy.write({"cutoff_a": 60.0, "cutoff_b": 35.0, "cutoff_c": 5.0})
        self._compute()
        classes = self._classes()
        self.assertEqual(classes[self.p1].abc_class, "a")
        self.assertEqual(classes[self.p2].abc_class, "b")

    def test_pick_count_basis(self):
        self.policy.classification_basis = "picks"
        self._compute()
        classes = self._classes()
        self.assertEqual(classes[self.p3].pick_count, 2)
        self.assertEqual(classes[self.p3].rank, 1, "two picks rank first by number of picks")

    def test_pinned_class_survives_recompute_and_history_is_kept(self):
        first = self._compute()
        line = self._classes()[self.p4]
        line.with_user(self.manager).action_pin("a")
        self.assertTrue(line.pinned)
        second = self._compute()
        line.invalidate_recordset()
        self.assertEqual(line.abc_class, "a")
        self.assertEqual(line.computed_class, "c")
        self.assertFalse(first.change_ids, "new classes are counted on the run, not changes")
        self.assertEqual(first.count_a + first.count_b + first.count_c, 5)
        self.assertFalse(second.change_ids, "nothing changed, the pinned class is kept")
        self._move(self.p5, self.aisle_1a, self.customers, 50)
        third = self._compute()
        self.assertIn(self.p5, third.change_ids.product_id)
        change = third.change_ids.filtered(lambda c: c.product_id == self.p5)
        self.assertEqual((change.old_class, change.new_class), ("c", "a"))
        line.with_user(self.manager).action_unpin()
        self.assertEqual(line.abc_class, "c")

    def test_a_class_made_by_hand_and_changed_by_a_run_is_recorded(self):
        """A class a manager created (no pin set: empty in the database) and a run replaced
        is a change of the run, as any other."""
        self.env["stock.accuracy.classification"].with_user(self.manager).create(
            {
                "product_id": self.p5.id,
                "warehouse_id": self.wh.id,
                "company_id": self.wh.company_id.id,
                "abc_class": "a",
            }
        )
        run = self._compute()
        change = run.change_ids.filtered(lambda c: c.product_id == self.p5)
        self.assertEqual((change.old_class, change.new_class), ("a", "c"))
        self.assertEqual(self._classes()[self.p5].abc_class, "c")

    def test_only_managers_change_classes(self):
        self._compute()
        line = self._classes()[self.p4]
        with self.assertRaises(AccessError):
            line.with_user(self.checker).action_pin("a")
        with self.assertRaises(AccessError):
            self._compute(self.counter)
        self.assertEqual(line.abc_class, "c")

    def test_product_form_shows_class_per_warehouse(self):
        self._compute()
        classes = self.p1.product_tmpl_id.accuracy_classification_ids
        self.assertEqual(classes.warehouse_id, self.wh)
        self.assertEqual(classes.abc_class, "a")

    def test_cron_classifies_every_warehouse(self):
        self.env["stock.accuracy.classification"]._cron_compute_classification()
        self.assertEqual(self._classes()[self.p1].abc_class, "a")

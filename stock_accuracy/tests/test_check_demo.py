from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCheckDemo(TransactionCase):
    """The demo turns the double-check on for one warehouse, after its history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shanghai = cls.env.ref("stock_accuracy.warehouse_shanghai", raise_if_not_found=False)
        if not cls.shanghai:
            cls.skipTest(cls, "the database was installed without demo data")

    def test_shanghai_receipts_and_deliveries_are_double_checked(self):
        self.assertEqual(self.shanghai.in_type_id.accuracy_check_mode, "required")
        self.assertEqual(self.shanghai.out_type_id.accuracy_check_mode, "required")
        self.assertEqual(self.env.ref("stock.warehouse0").out_type_id.accuracy_check_mode, "off")

    def test_history_is_unaffected_and_one_delivery_waits_for_its_check(self):
        done = self.env["stock.picking"].search(
            [("picking_type_id.warehouse_id", "=", self.shanghai.id), ("state", "=", "done")]
        )
        self.assertTrue(done)
        self.assertEqual(set(done.mapped("accuracy_check_state")), {"not_needed"})
        checks = self.env["stock.accuracy.check"].search(
            [("picking_type_id", "=", self.shanghai.out_type_id.id)]
        )
        self.assertEqual(len(checks), 1)
        self.assertEqual(checks.picking_id.accuracy_check_state, "to_check")

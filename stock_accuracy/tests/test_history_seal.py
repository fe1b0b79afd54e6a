import hashlib
import itertools
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import AccuracyCheckCommon, CountingCommon


class SealAssertions:
    Seal = "stock.accuracy.history.seal"

    def _seals(self, records):
        return self.env[self.Seal].search(
            [("res_model", "=", records._name), ("res_id", "in", records.ids)]
        )

    def _verify(self):
        """The manager's verification: (notification params, details)."""
        Seal = self.env[self.Seal].with_user(self.manager)
        params = Seal.action_verify_history()["params"]
        return params, Seal.sudo()._verify_history(self.company)

    def _sql(self, query, params=None):
        self.env.flush_all()
        self.env.cr.execute(query, params)
        self.env.invalidate_all()

    def assertIntact(self):
        params, result = self._verify()
        self.assertTrue(result["intact"], result["message"])
        self.assertEqual(params["type"], "success")
        self.assertIn("History intact", params["message"])
        return result

    def assertAltered(self, record):
        params, result = self._verify()
        self.assertFalse(result["intact"])
        self.assertEqual(params["type"], "danger")
        self.assertEqual((result["res_model"], result["res_id"]), (record._name, record.id))
        self.assertIn(f"id {record.id}", params["message"])
        return params["message"]


@tagged("post_install", "-at_install")
class TestHistorySealCounts(SealAssertions, CountingCommon):
    def _finished_session(self):
        count = self._session(self.widget_quant | self.bolt_quant)
        self._count(count, {self.widget: 98, self.bolt: 40})
        lines = count.sudo().line_ids
        self.assertEqual(set(lines.mapped("state")), {"done"})
        return lines

    def test_finished_lines_and_their_moves_are_sealed_in_one_chain(self):
        lines = self._finished_session()
        moves = lines.move_ids
        self.assertTrue(moves)
        seals = self._seals(lines) | self._seals(moves)
        self.assertEqual(len(seals), len(lines) + len(moves))
        chain = self.env[self.Seal].search([("company_id", "=", self.company.id)])
        self.assertEqual(chain.mapped("sequence"), list(range(1, len(chain) + 1)))
        for previous, seal in itertools.pairwise(chain):
            self.assertEqual(seal.previous_hash, previous.hash)
        widget_line = lines.filtered(lambda ln: ln.product_id == self.widget)
        seal = self._seals(widget_line)
        sealed = json.loads(seal.payload)
        self.assertEqual(sealed["fields"]["counted_quantity"], "98")
        self.assertEqual((sealed["model"], sealed["id"]), (widget_line._name, widget_line.id))
        self.assertEqual(seal.payload_digest, hashlib.sha256(seal.payload.encode()).hexdigest())
        result = self.assertIntact()
        self.assertGreaterEqual(result["verified"], len(seals))

    def test_unfinished_lines_are_not_sealed(self):
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 80})
        line = self._line(count, self.widget).sudo()
        self.assertEqual(line.state, "recount")
        self.assertFalse(self._seals(line))
        recount = self._recount_of(line)
        self._count(recount.count_id, {self.widget: 80}, user=self.counter_2)
        self.assertEqual(recount.state, "done")
        self.assertTrue(self._seals(recount))
        self.assertFalse(self._seals(line))
        line.with_user(self.manager).reason_id = self.damage
        line.with_user(self.manager).action_approve()
        self.assertTrue(self._seals(line))
        self.assertIntact()

    def test_sql_edit_of_counted_quantity_names_the_line(self):
        lines = self._finished_session()
        widget_line = lines.filtered(lambda ln: ln.product_id == self.widget)
        self._sql(
            "UPDATE stock_accuracy_count_line SET counted_quantity = 100 WHERE id = %s",
            [widget_line.id],
        )
        message = self.assertAltered(widget_line)
        self.assertIn("Count Widget", message)
        self.assertIn("Counted Quantity", message)

    def test_changed_inventory_move_quantity_is_detected(self):
        lines = self._finished_session()
        move = lines.move_ids[:1]
        self._sql("UPDATE stock_move SET quantity = quantity + 1 WHERE id = %s", [move.id])
        message = self.assertAltered(move)
        self.assertIn("Quantity", message)

    def test_deleted_seal_in_the_chain_is_detected(self):
        lines = self._finished_session()
        seals = self._seals(lines)
        first = seals.sorted("sequence")[0]
        sequence = first.sequence
        self._sql("DELETE FROM stock_accuracy_history_seal WHERE id = %s", [first.id])
        params, result = self._verify()
        self.assertFalse(result["intact"])
        self.assertIn(f"seal #{sequence} is missing", params["message"])

    def test_deleted_last_seal_leaves_its_record_unsealed(self):
        lines = self._finished_session()
        last = self.env[self.Seal].search(
            [("company_id", "=", self.company.id)], order="sequence desc", limit=1
        )
        record = self.env[last.res_model].browse(last.res_id)
        self._sql("DELETE FROM stock_accuracy_history_seal WHERE id = %s", [last.id])
        self.assertTrue(lines)
        message = self.assertAltered(record)
        self.assertIn("has no seal", message)

    def test_edited_seal_breaks_the_chain(self):
        lines = self._finished_session()
        seal = self._seals(lines)[:1]
        self._sql(
            "UPDATE stock_accuracy_history_seal SET payload = payload || ' ' WHERE id = %s",
            [seal.id],
        )
        message = self.assertAltered(self.env[seal.res_model].browse(seal.res_id))
        self.assertIn("no longer follows the chain", message)

    def test_deleted_session_is_detected(self):
        lines = self._finished_session()
        self._sql("DELETE FROM stock_accuracy_count_line WHERE id IN %s", [tuple(lines.ids)])
        params, result = self._verify()
        self.assertFalse(result["intact"])
        self.assertIn("was deleted", params["message"])
        self.assertEqual(result["res_model"], lines._name)
        self.assertIn(result["res_id"], lines.ids)

    def test_existing_history_is_sealed_once(self):
        lines = self._finished_session()
        self._sql(
            "DELETE FROM stock_accuracy_history_seal WHERE company_id = %s", [self.company.id]
        )
        params, result = self._verify()
        self.assertFalse(result["intact"])
        self.assertIn("has no seal", params["message"])
        Seal = self.env[self.Seal]
        Seal._seal_existing_history()
        self.assertEqual(len(self._seals(lines)), len(lines))
        count = Seal.search_count([])
        Seal._seal_existing_history()
        self.assertEqual(Seal.search_count([]), count)
        self.assertIntact()

    def test_nobody_changes_seals_nor_lower_roles_verify(self):
        lines = self._finished_session()
        seal = self._seals(lines)[:1]
        for user in (self.counter, self.stock_user, self.checker):
            Seal = self.env[self.Seal].with_user(user)
            with self.assertRaises(AccessError):
                Seal.browse(seal.id).write({"hash": "0" * 64})
            with self.assertRaises(AccessError):
                Seal.browse(seal.id).unlink()
            with self.assertRaises(AccessError):
                Seal.action_verify_history()
            with self.assertRaises(AccessError):
                Seal.search([])
        with self.assertRaises(AccessError):
            seal.with_user(self.manager).write({"hash": "0" * 64})
        with self.assertRaises(UserError):
            seal.with_user(self.manager).sudo().write({"hash": "0" * 64})
        with self.assertRaises(UserError):
            seal.with_user(self.manager).sudo().unlink()
        self.assertIntact()


@tagged("post_install", "-at_install")
class TestHistorySealChecks(SealAssertions, AccuracyCheckCommon):
    def _finished_check(self):
        picking = self._create_delivery([(self.product_a, 3), (self.product_b, 1)])
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT", "TSA-BOLT", "TSA-BOLT", "TSA-NUT")
        check.action_finish()
        self.assertEqual(check.state, "passed")
        return check.sudo()

    def test_finished_check_is_sealed_with_its_lines(self):
        check = self._finished_check()
        seal = self._seals(check)
        self.assertEqual(len(seal), 1)
        lines = json.loads(seal.payload)["fields"]["line_ids"]
        self.assertEqual([line[0] for line in lines], check.line_ids.sorted("id").ids)
        self.assertIntact()

    def test_sql_edit_of_checked_quantity_names_the_check(self):
        check = self._finished_check()
        line = check.line_ids.filtered(lambda ln: ln.product_id == self.product_a)
        self._sql("UPDATE stock_accuracy_check_line SET checked_qty = 2 WHERE id = %s", [line.id])
        message = self.assertAltered(check)
        self.assertIn(check.name, message)
        self.assertIn("Lines", message)

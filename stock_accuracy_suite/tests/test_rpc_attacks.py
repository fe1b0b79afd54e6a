"""The rules, tried the way they are broken: each role over real JSON-RPC (``/web/dataset/
call_kw`` of the test server, as a web client or a script sends it), writing what it does not
own, reading the book of a blind line by every read path, and applying quantities by Odoo's own
paths where the count rules are on. Each attempt must fail with a clear error and change
nothing."""

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.stock_accuracy.tests.common import CountingCommon, call_kw

BOOK_READS = ("book_quantity", "difference_quantity", "difference_value", "within_tolerance")


class JsonRpcClient:
    """Calls as a web client or a script sends them, through the test server."""

    def _call(self, login, model, method, args, kwargs=None):
        """One JSON-RPC call as ``login``: (result, error) — error is the server's exception
        name and message, as a web client receives them."""
        # One session per login and test, kept while the test switches logins (a password
        # check per call would cost more than the call); what the test wrote is flushed for the
        # server and its cache cleared, as authenticate does.
        sessions = self.__dict__.setdefault("_rpc_sessions", {})
        if login not in sessions:
            self.session = None  # authenticate would delete the last login's session
            self.authenticate(login, login)
            sessions[login] = (self.session, self.opener)
        else:
            self.cr.flush()
            self.cr.clear()
            self.session, self.opener = sessions[login]
        payload = call_kw(self, model, method, args, kwargs)
        error = payload.get("error")
        if error:
            data = error.get("data", {})
            return None, (data.get("name", ""), data.get("message", ""))
        return payload.get("result"), None


@tagged("post_install", "-at_install")
class TestRpcAttacks(JsonRpcClient, CountingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inventory_user = new_test_user(
            cls.env, "sa_rpc_stock", groups="stock.group_stock_user", name="Ivy Inventory"
        )
        # A blind session in progress, counted by the counter, not yet submitted.
        cls.count_session = cls._blind_session(cls.widget_quant | cls.bolt_quant)
        cls.line = cls.count_session.line_ids.filtered(lambda ln: ln.product_id == cls.widget)
        cls.line.with_user(cls.counter).write({"counted_quantity": 60.0})
        cls.count_session.line_ids.filtered(lambda ln: ln.product_id == cls.bolt).with_user(
            cls.counter
        ).write({"counted_quantity": 40.0})
        # A finished session: its line is history.
        done = cls._blind_session(cls.bolt_quant)
        # 39 of 40: within the tolerance of class C, applied at once by an inventory move.
        done.line_ids.with_user(cls.counter).write({"counted_quantity": 39.0})
        done.with_user(cls.counter).action_submit()
        cls.done_session = done
        cls.done_line = done.line_ids
        assert cls.done_line.state == "done", cls.done_line.state

    @classmethod
    def _blind_session(cls, quants):
        count = (
            cls.env["stock.accuracy.count"]
            .with_user(cls.manager)
            .create(
                {
                    "warehouse_id": cls.wh.id,
                    "blind": True,
                    "counter_ids": [Command.set(cls.counter.ids)],
                    "line_ids": [
                        Command.create(
                            {"product_id": q.product_id.id, "location_id": q.location_id.id}
                        )
                        for q in quants
                    ],
                }
            )
        )
        count.action_start()
        return count

    def assertRefused(self, login, model, method, args, kwargs=None, kinds=None):
        result, error = self._call(login, model, method, args, kwargs)
        self.assertTrue(error, f"{login} {model}.{method}{args} was accepted: {result!r}"[:400])
        kinds = kinds or ("AccessError", "UserError", "ValidationError")
        self.assertTrue(
            any(error[0].endswith(kind) for kind in kinds),
            f"{login} {model}.{method}: unexpected {error}",
        )
        self.assertTrue(error[1], "the refusal says why")
        return error

    def _snapshot(self, records, fnames):
        records.invalidate_recordset()
        return records.sudo().read(fnames)

    # -- counting: fields the system or the approver owns -----------------------------------
    def test_counter_cannot_write_system_fields_of_their_line(self):
        owned_by_system = {
            "state": "done",
            "within_tolerance": True,
            "abc_class": "c",
            "unit_cost": 0.0,
            "book_quantity": 60.0,
            "counter_id": self.counter_2.id,
            "approver_id": self.manager.id,
            "applied_quantity": 60.0,
            "quant_id": False,
            "count_id": self.done_session.id,
            "product_id": self.bolt.id,
            "location_id": self.aisle_2a.id,
        }
        before = self._snapshot(self.line, list(owned_by_system))
        for login in ("sa_counter", "sa_rpc_stock", "sa_checker", "sa_manager"):
            for fname, value in owned_by_system.items():
                with self.subTest(login=login, field=fname):
                    self.assertRefused(
                        login,
                        "stock.accuracy.count.line",
                        "write",
                        [self.line.ids, {fname: value}],
                    )
        self.assertEqual(self._snapshot(self.line, list(owned_by_system)), before)

    def test_nobody_writes_session_state_or_reopens_it(self):
        self.count_session.with_user(self.counter).action_submit()
        state = self.count_session.state
        for login in ("sa_counter", "sa_manager", "sa_rpc_stock"):
            for vals in ({"state": "in_progress"}, {"state": "done"}, {"blind": False}):
                with self.subTest(login=login, vals=vals):
                    self.assertRefused(
                        login, "stock.accuracy.count", "write", [self.count_session.ids, vals]
                    )
            with self.subTest(login=login, path="web_save"):
                self.assertRefused(
                    login,
                    "stock.accuracy.count",
                    "web_save",
                    [self.count_session.ids, {"state": "in_progress"}],
                    {"specification": {"state": {}}},
                )
        self.count_session.invalidate_recordset()
        self.assertEqual(self.count_session.state, state)

    def test_blind_switch_while_counting_is_refused(self):
        self.assertRefused(
            "sa_manager",
            "stock.accuracy.count",
            "write",
            [self.count_session.ids, {"blind": False}],
        )
        self.assertTrue(self.count_session.blind)

    def test_counter_cannot_count_a_session_not_theirs(self):
        before = self.line.counted_quantity
        self.assertRefused(
            "sa_counter_2",
            "stock.accuracy.count.line",
            "write",
            [self.line.ids, {"counted_quantity": 1.0}],
        )
        self.assertRefused(
            "sa_counter_2",
            "stock.accuracy.count",
            "action_scan",
            [self.count_session.ids, "WIDGET-001"],
        )
        self.line.invalidate_recordset()
        self.assertEqual(self.line.counted_quantity, before)

    def test_counter_cannot_create_or_delete_lines(self):
        self.assertRefused(
            "sa_counter",
            "stock.accuracy.count.line",
            "create",
            [
                {
                    "count_id": self.count_session.id,
                    "product_id": self.widget.id,
                    "location_id": self.aisle_2a.id,
                    "counted_quantity": 5.0,
                }
            ],
        )
        self.assertRefused("sa_counter", "stock.accuracy.count.line", "unlink", [self.line.ids])
        self.assertTrue(self.line.exists())

    def test_a_session_cannot_be_created_with_system_values_in_its_lines(self):
        for line_vals in ({"state": "done"}, {"book_quantity": 1.0}, {"counter_id": 2}):
            with self.subTest(line_vals=line_vals):
                self.assertRefused(
                    "sa_manager",
                    "stock.accuracy.count",
                    "create",
                    [
                        {
                            "warehouse_id": self.wh.id,
                            "line_ids": [
                                [
                                    0,
                                    0,
                                    dict(
                                        line_vals,
                                        product_id=self.widget.id,
                                        location_id=self.aisle_1a.id,
                                    ),
                                ]
                            ],
                        }
                    ],
                )
        self.assertRefused(
            "sa_manager",
            "stock.accuracy.count",
            "create",
            [{"warehouse_id": self.wh.id, "line_ids": [[4, self.done_line.id, 0]]}],
        )
        self.assertEqual(self.done_line.count_id, self.done_session)

    def test_forged_defaults_and_internal_path_are_refused(self):
        self.assertRefused(
            "sa_manager",
            "stock.accuracy.count",
            "create",
            [{"warehouse_id": self.wh.id}],
            {"context": {"default_state": "done"}},
        )
        self.assertRefused(
            "sa_counter",
            "stock.accuracy.count.line",
            "write",
            [self.line.ids, {"state": "done"}],
            {"context": {"accuracy_internal_path": "stock_accuracy"}},
        )
        self.assertEqual(self.line.state, "counted")

    # -- finished history -------------------------------------------------------------------
    def test_finished_history_is_immutable(self):
        fnames = ["counted_quantity", "reason_id", "note", "state"]
        before = self._snapshot(self.done_line, fnames)
        for login in ("sa_counter", "sa_manager", "sa_rpc_stock"):
            for vals in (
                {"counted_quantity": 1.0},
                {"reason_id": self.damage.id},
                {"note": "edited"},
            ):
                with self.subTest(login=login, vals=vals):
                    self.assertRefused(
                        login, "stock.accuracy.count.line", "write", [self.done_line.ids, vals]
                    )
            with self.subTest(login=login, what="unlink line"):
                self.assertRefused(
                    login, "stock.accuracy.count.line", "unlink", [self.done_line.ids]
                )
            with self.subTest(login=login, what="unlink session"):
                self.assertRefused(login, "stock.accuracy.count", "unlink", [self.done_session.ids])
        self.assertEqual(self._snapshot(self.done_line, fnames), before)
        moves = self.done_line.move_ids
        self.assertTrue(moves)
        move_before = self._snapshot(moves, ["quantity", "accuracy_reason_id", "location_id"])
        for login in ("sa_manager", "sa_rpc_stock"):
            for vals in (
                {"accuracy_reason_id": self.damage.id},
                {"accuracy_count_line_id": self.line.id},
                {"quantity": 5.0},
                {"location_dest_id": self.aisle_2a.id},
            ):
                with self.subTest(login=login, vals=vals):
                    self.assertRefused(login, "stock.move", "write", [moves.ids, vals])
            with self.subTest(login=login, what="move line"):
                self.assertRefused(
                    login, "stock.move.line", "write", [moves.move_line_ids.ids, {"quantity": 9}]
                )
            with self.subTest(login=login, what="new move on a count"):
                self.assertRefused(
                    login,
                    "stock.move",
                    "create",
                    [
                        {
                            "name": "forged",
                            "product_id": self.widget.id,
                            "product_uom": self.widget.uom_id.id,
                            "product_uom_qty": 1.0,
                            "location_id": self.aisle_1a.id,
                            "location_dest_id": self.aisle_2a.id,
                            "accuracy_count_line_id": self.done_line.id,
                        }
                    ],
                )
        self.assertEqual(
            self._snapshot(moves, ["quantity", "accuracy_reason_id", "location_id"]), move_before
        )

    # -- blind means blind in the data -------------------------------------------------------
    def test_blind_book_is_unreadable_by_every_read_path(self):
        model = "stock.accuracy.count.line"
        domain = [("id", "=", self.line.id)]
        for login in ("sa_counter", "sa_rpc_stock", "sa_checker"):
            for fname in BOOK_READS:
                with self.subTest(login=login, field=fname, path="read"):
                    self.assertRefused(login, model, "read", [self.line.ids, [fname]])
                with self.subTest(login=login, field=fname, path="search_read"):
                    self.assertRefused(login, model, "search_read", [domain], {"fields": [fname]})
                with self.subTest(login=login, field=fname, path="web_read"):
                    self.assertRefused(
                        login, model, "web_read", [self.line.ids], {"specification": {fname: {}}}
                    )
                with self.subTest(login=login, field=fname, path="search domain"):
                    self.assertRefused(login, model, "search", [[(fname, "=", 100.0)]])
                with self.subTest(login=login, field=fname, path="order"):
                    self.assertRefused(login, model, "search", [domain], {"order": fname})
                with self.subTest(login=login, field=fname, path="read_group sum"):
                    self.assertRefused(
                        login, model, "read_group", [domain, [f"{fname}:sum"], ["count_id"]]
                    )
                with self.subTest(login=login, field=fname, path="group by"):
                    self.assertRefused(login, model, "read_group", [domain, ["count_id"], [fname]])
                with self.subTest(login=login, field=fname, path="export"):
                    self.assertRefused(login, model, "export_data", [self.line.ids, [fname]])
            with self.subTest(login=login, path="shown book"):
                result, error = self._call(
                    login, model, "read", [self.line.ids, ["shown_book_quantity"]]
                )
                self.assertFalse(error)
                self.assertEqual(result[0]["shown_book_quantity"], 0.0)
        result, error = self._call(
            "sa_counter", "stock.accuracy.count", "action_scan_state", [self.count_session.ids]
        )
        self.assertFalse(error)
        self.assertFalse(any("book_quantity" in line for line in result["lines"]))
        # The manager reads it.
        result, error = self._call("sa_manager", model, "read", [self.line.ids, ["book_quantity"]])
        self.assertFalse(error)
        self.assertEqual(result[0]["book_quantity"], 100.0)

    def test_recounter_does_not_see_the_first_count(self):
        self.count_session.with_user(self.counter).action_submit()
        self.line.invalidate_recordset()
        self.assertEqual(self.line.state, "recount")
        recount = self.line.recount_line_id
        self.assertEqual(recount.count_id.counter_ids, self.counter_2)
        result, error = self._call(
            "sa_counter_2",
            "stock.accuracy.count.line",
            "search_read",
            [[("id", "=", self.line.id)]],
            {"fields": ["counted_quantity"]},
        )
        self.assertFalse(error)
        self.assertEqual(result, [])
        self.assertRefused(
            "sa_counter_2",
            "stock.accuracy.count.line",
            "read",
            [self.line.ids, ["counted_quantity"]],
        )

    # -- segregation of duties ---------------------------------------------------------------
    def test_a_manager_who_counted_cannot_approve(self):
        self.count_session.counter_ids = [Command.set((self.counter | self.manager).ids)]
        self.line.with_user(self.manager).write({"counted_quantity": 70.0})
        self.count_session.with_user(self.manager).action_submit()
        self.line.invalidate_recordset()
        recount = self.line.recount_line_id
        recount.count_id.counter_ids = [Command.set(self.manager_2.ids)]
        recount.with_user(self.manager_2).write({"counted_quantity": 75.0})
        recount.count_id.with_user(self.manager_2).action_submit()
        self.line.invalidate_recordset()
        self.assertEqual(self.line.state, "to_approve")
        self.line.reason_id = self.miscount
        for login in ("sa_manager", "sa_manager_2"):
            with self.subTest(login=login):
                self.assertRefused(
                    login, "stock.accuracy.count.line", "action_approve", [self.line.ids]
                )
        self.assertRefused(
            "sa_counter", "stock.accuracy.count.line", "action_approve", [self.line.ids]
        )
        self.line.invalidate_recordset()
        self.assertEqual(self.line.state, "to_approve")

    # -- native paths that apply quantities --------------------------------------------------
    def _native_paths(self, quant):
        return [
            ("stock.quant", "write", [quant.ids, {"inventory_quantity": 1.0}], None),
            ("stock.quant", "action_apply_inventory", [quant.ids], None),
            (
                "stock.quant",
                "create",
                [
                    {
                        "product_id": self.widget.id,
                        "location_id": self.aisle_1a.id,
                        "inventory_quantity": 1.0,
                        "inventory_quantity_auto_apply": 1.0,
                    }
                ],
                {"context": {"inventory_mode": True}},
            ),
            (
                "stock.quant",
                "write",
                [quant.ids, {"inventory_quantity_auto_apply": 1.0}],
                {"context": {"inventory_mode": True}},
            ),
            (
                "stock.quant",
                "write",
                [quant.ids, {"quantity": 1.0}],
                {"context": {"inventory_mode": True}},
            ),
            ("stock.quant", "write", [quant.ids, {"quantity": 1.0}], None),
            (
                "stock.quant",
                "create",
                [{"product_id": self.widget.id, "location_id": self.aisle_2a.id, "quantity": 9}],
                None,
            ),
            # With a reason, the count is held for an approval: the book does not move.
            (
                "stock.quant",
                "write",
                [quant.ids, {"inventory_quantity": 1.0, "accuracy_reason_id": self.damage.id}],
                {"context": {"inventory_mode": True}},
            ),
            ("stock.quant", "action_apply_inventory", [quant.ids], None),
        ]

    def test_native_paths_go_through_the_count_rules(self):
        quant = self.widget_quant
        for login in ("sa_rpc_stock", "sa_counter"):
            for model, method, args, kwargs in self._native_paths(quant):
                with self.subTest(login=login, method=method, args=args):
                    self._call(login, model, method, args, kwargs)
                    quant.invalidate_recordset()
                    # Over tolerance: never applied straight; held for approval at most.
                    self.assertEqual(quant.quantity, 100.0)
        held = self.env["stock.accuracy.count.line"].search(
            [("quant_id", "=", quant.id), ("state", "=", "to_approve")]
        )
        self.assertFalse(
            self.env["stock.quant"].search(
                [("product_id", "=", self.widget.id), ("location_id", "=", self.aisle_2a.id)]
            ),
            "no quant created holding stock",
        )
        self.assertTrue(held, "the over-tolerance counts wait for an approval")
        self.assertFalse(
            self.env["stock.move"].search(
                [("product_id", "=", self.widget.id), ("is_inventory", "=", True)]
            ),
            "no inventory move outside a count",
        )

    def test_revert_of_an_adjustment_is_refused_where_rules_are_on(self):
        move_line = self.done_line.move_ids.move_line_ids[:1]
        if not move_line:
            # The finished count matched the book: count a difference to revert.
            count = self._blind_session(self.widget_quant)
            count.line_ids.with_user(self.counter).write({"counted_quantity": 99.0})
            count.with_user(self.counter).action_submit()
            move_line = count.line_ids.move_ids.move_line_ids[:1]
        self.assertTrue(move_line)
        before = self.widget_quant.quantity
        self.assertRefused(
            "sa_rpc_stock", "stock.move.line", "action_revert_inventory", [move_line.ids]
        )
        self.widget_quant.invalidate_recordset()
        self.assertEqual(self.widget_quant.quantity, before)

    def test_a_transfer_from_inventory_loss_is_refused_where_rules_are_on(self):
        loss = self.env["stock.location"].search(
            [("usage", "=", "inventory"), ("scrap_location", "=", False)], limit=1
        )
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.wh.in_type_id.id,
                "location_id": loss.id,
                "location_dest_id": self.aisle_1a.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": "forged",
                            "product_id": self.widget.id,
                            "product_uom_qty": 50.0,
                            "product_uom": self.widget.uom_id.id,
                            "location_id": loss.id,
                            "location_dest_id": self.aisle_1a.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.quantity = 50.0
        picking.move_ids.picked = True
        self.wh.in_type_id.accuracy_check_mode = "off"
        self.assertRefused(
            "sa_rpc_stock",
            "stock.picking",
            "button_validate",
            [picking.ids],
            {"context": {"skip_backorder": True, "accuracy_internal_path": "stock_accuracy"}},
        )
        self.widget_quant.invalidate_recordset()
        self.assertEqual(self.widget_quant.quantity, 100.0)
        self.assertNotEqual(picking.state, "done")


@tagged("post_install", "-at_install")
class TestRpcEveryField(JsonRpcClient, HttpCase):
    """Every model of the module, every field the system owns, every deletion and every button
    of the configuration: tried over JSON-RPC by each role, on records the module's own flows
    made (a finished count, a passed double-check, a classification run, a month's KPIs, a
    reconciliation and its outbox), and refused with nothing changed."""

    LOGINS = ("sa_every_counter", "sa_every_checker", "sa_every_manager", "sa_every_stock")
    COUNTER, CHECKER, MANAGER, STOCK_USER = LOGINS
    # What the required fields alone do not make valid.
    CREATE_VALUES = {
        "stock.accuracy.backend": {
            "wsdl_url": "http://127.0.0.1:9/every-field?wsdl",
            "endpoint_url": "http://127.0.0.1:9/every-field",
        },
    }
    # What an Accuracy Manager may delete, and why; for each, the record that is history and
    # stays (None: nothing of the module's history refers to it).
    MANAGER_MAY_DELETE = {
        # A session not started yet (and its lines, not counted): planning, not history.
        "stock.accuracy.count": "done_count",
        "stock.accuracy.count.line": "done_line",
        # Configuration: the policy of a warehouse and the class of a product (a classification
        # run records every change it made, in classification changes, which stay).
        "stock.accuracy.policy": None,
        "stock.accuracy.classification": None,
        # Configuration, until history refers to it: a reason given to a finished count, a
        # type of an exception, a rule that routed one, a backend that reconciled.
        "stock.accuracy.reason": "used_reason",
        "stock.accuracy.exception.type": "used_type",
        "stock.accuracy.exception.rule": "used_rule",
        "stock.accuracy.backend": "backend",
        # How a backend names products and locations: the differences a run recorded hold
        # Odoo's product and location themselves.
        "stock.accuracy.backend.product": None,
        "stock.accuracy.backend.location": None,
    }
    # What the manager is told, where the access rights would let them delete.
    MANAGER_REFUSALS = {
        "stock.accuracy.reason": "archive them instead",
        "stock.accuracy.exception.rule": "archive them instead",
        "stock.accuracy.backend": "archive them instead",
        "stock.accuracy.kpi.snapshot": "never deleted",
        "stock.accuracy.count": "Only a draft session can be deleted",
        "stock.accuracy.count.line": "finished history cannot be deleted",
    }
    # The models whose buttons the counter and the inventory user try.
    CONFIG_MODELS = (
        "stock.accuracy.backend",
        "stock.accuracy.backend.location",
        "stock.accuracy.backend.product",
        "stock.accuracy.sync.run",
        "stock.accuracy.sync.outbox",
        "stock.accuracy.classification.run",
        "stock.accuracy.kpi.snapshot",
        "stock.accuracy.exception.rule",
        "stock.accuracy.exception.type",
        "stock.accuracy.reason",
        "stock.accuracy.policy",
    )
    # Buttons that only read: they answer a window action (or nothing) and change no data,
    # which the test checks.
    HARMLESS_BUTTONS = {
        # Smart buttons: the list of the backend's runs or messages, which the roles without
        # access to them cannot open.
        ("stock.accuracy.backend", "action_view_runs"): "opens the runs' list",
        ("stock.accuracy.backend", "action_view_outbox"): "opens the outbox' list",
        # Opens the planning wizard, which only a manager can save.
        ("stock.accuracy.policy", "action_plan_counts"): "opens the planning wizard",
        # Odoo's: restores the archived records among those given; the record tried is active,
        # so there is nothing to write (archiving it is refused: no write access).
        ("stock.accuracy.exception.type", "action_unarchive"): "nothing archived to restore",
        ("stock.accuracy.reason", "action_unarchive"): "nothing archived to restore",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {}
        for login, groups in zip(
            cls.LOGINS,
            (
                "stock_accuracy.group_accuracy_counter",
                "stock_accuracy.group_accuracy_checker",
                "stock_accuracy.group_accuracy_manager",
                "stock.group_stock_user",
            ),
            strict=True,
        ):
            cls.users[login] = new_test_user(cls.env, login, groups=groups)
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        Product = cls.env["product.product"]
        cls.product = Product.create({"name": "Every Field", "is_storable": True})
        cls.stocked = Product.create(
            {
                "name": "Every Field Stocked",
                "is_storable": True,
                "barcode": "SA-EVERY-STOCKED",
                "default_code": "SA-EVERY-STOCKED",
                "standard_price": 3.0,
            }
        )
        cls.env["stock.quant"]._update_available_quantity(cls.stocked, cls.stock_location, 50)
        cls.history = {}
        cls._make_counts()
        cls._make_exceptions()
        cls._make_double_check()
        cls._make_classification()
        cls._make_kpi_snapshots()
        cls._make_reconciliation()

    # -- the records, made by the module's own flows --------------------------------------------
    @classmethod
    def _make_counts(cls):
        """A draft session with a line, and a finished one (counted by the counter, matching
        the book, applied) whose line was given a reason."""
        Count = cls.env["stock.accuracy.count"]
        cls.draft_count = Count.create(
            {
                "warehouse_id": cls.warehouse.id,
                "line_ids": [
                    Command.create(
                        {"product_id": cls.product.id, "location_id": cls.stock_location.id}
                    )
                ],
            }
        )
        counter, manager = cls.users[cls.COUNTER], cls.users[cls.MANAGER]
        done = Count.with_user(manager).create(
            {
                "warehouse_id": cls.warehouse.id,
                "counter_ids": [Command.set(counter.ids)],
                "line_ids": [
                    Command.create(
                        {"product_id": cls.stocked.id, "location_id": cls.stock_location.id}
                    )
                ],
            }
        )
        done.action_start()
        done = done.with_env(cls.env)
        done.line_ids.with_user(counter).write({"counted_quantity": 50.0})
        done.with_user(counter).action_submit()
        assert done.state == "done", done.state
        reason = cls.env["stock.accuracy.reason"].create(
            {"name": "Every Field Reason", "code": "EVF"}
        )
        # The superuser's path: a finished line given its reason afterwards.
        done.line_ids.write({"reason_id": reason.id})
        cls.history.update(done_count=done, done_line=done.line_ids, used_reason=reason)

    @classmethod
    def _make_exceptions(cls):
        """An exception routed by a rule of its type."""
        exception_type = cls.env["stock.accuracy.exception.type"].search([], limit=1)
        rule = cls.env["stock.accuracy.exception.rule"].create(
            {
                "company_id": cls.env.company.id,
                "type_id": exception_type.id,
                "sequence": 0,
                "user_id": cls.users[cls.MANAGER].id,
            }
        )
        exception = cls.env["stock.accuracy.exception"].create(
            {
                "type_id": exception_type.id,
                "company_id": cls.env.company.id,
                "product_id": cls.product.id,
                "location_id": cls.stock_location.id,
            }
        )
        assert exception.rule_id == rule, exception.rule_id
        cls.history.update(used_type=exception_type, used_rule=rule)

    @classmethod
    def _make_double_check(cls):
        """A delivery prepared by the inventory user and double-checked by the checker: a
        passed check, its lines and what it certified."""
        out_type = cls.warehouse.out_type_id
        out_type.write({"accuracy_check_mode": "required", "accuracy_check_blind": True})
        customers = cls.env.ref("stock.stock_location_customers")
        picking = (
            cls.env["stock.picking"]
            .with_user(cls.users[cls.STOCK_USER])
            .create(
                {
                    "picking_type_id": out_type.id,
                    "location_id": cls.stock_location.id,
                    "location_dest_id": customers.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": cls.stocked.name,
                                "product_id": cls.stocked.id,
                                "product_uom_qty": 2.0,
                                "product_uom": cls.stocked.uom_id.id,
                                "location_id": cls.stock_location.id,
                                "location_dest_id": customers.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.quantity = 2.0
        picking.move_ids.picked = True
        check = picking.with_env(cls.env).accuracy_check_id.with_user(cls.users[cls.CHECKER])
        for _scan in range(2):
            check.action_scan(cls.stocked.barcode)
        check.action_finish()
        assert check.state == "passed", check.state
        assert check.line_ids and check.certified_ids

    @classmethod
    def _make_classification(cls):
        """A classification run that changed a class (A to C: nothing moved)."""
        cls.env["stock.accuracy.classification"].create(
            {
                "product_id": cls.product.id,
                "warehouse_id": cls.warehouse.id,
                "company_id": cls.env.company.id,
                "abc_class": "a",
            }
        )
        run = cls.env["stock.accuracy.classification"]._compute_classification(
            cls.warehouse.accuracy_policy_id
        )
        assert run.change_ids, "the run changed a class"

    @classmethod
    def _make_kpi_snapshots(cls):
        """Last month's KPIs, stored as the monthly cron does."""
        last_month = fields.Date.today().replace(day=1) - relativedelta(months=1)
        snapshots = cls.env["stock.accuracy.kpi.snapshot"]._store_month(last_month, cls.env.company)
        assert snapshots, "the month's KPIs are stored"

    @classmethod
    def _make_reconciliation(cls):
        """A backend with its product and location mappings; a reconciliation of a snapshot
        page (the run's own page processing: 55 listed where Odoo holds 50, beyond the
        tolerance) read to its end; the done count posted to it and a post waiting."""
        backend = cls.env["stock.accuracy.backend"].create(
            {
                "name": "Every Field 3PL",
                "warehouse_id": cls.warehouse.id,
                "endpoint_url": "http://127.0.0.1:9/every-field",
                "tolerance_percent": 1.0,
            }
        )
        cls.env["stock.accuracy.backend.location"].create(
            {
                "backend_id": backend.id,
                "external_code": "MAIN",
                "location_id": cls.stock_location.id,
            }
        )
        cls.env["stock.accuracy.backend.product"].create(
            {"backend_id": backend.id, "external_code": "EXT-EVERY", "product_id": cls.stocked.id}
        )
        run = backend._start_run()
        context = run._prepare_context()
        run._create_seen_table()
        run._process_page(
            [
                {
                    "sku": cls.stocked.default_code,
                    "location": "MAIN",
                    "lot": None,
                    "quantity": 55,
                    "uom": None,
                    "as_of": None,
                }
            ],
            context,
        )
        run._flush_pending(context)
        run._reconcile_absent(context)
        run._drop_seen_table()
        run._accuracy_internal().write({"state": "done", "date_end": fields.Datetime.now()})
        assert run.line_ids, "the run recorded the difference"
        Outbox = cls.env["stock.accuracy.sync.outbox"]
        sent = Outbox._enqueue(backend, [(cls.history["done_line"], {"sku": "SA-EVERY"})])
        sent._accuracy_internal().write({"state": "sent", "response_status": "accepted"})
        quant = cls.env["stock.quant"].search([("product_id", "=", cls.stocked.id)], limit=1)
        pending = Outbox._enqueue(backend, [(quant, {"sku": "SA-EVERY"})])
        assert sent and pending
        cls.history["backend"] = backend

    # -- helpers ---------------------------------------------------------------------------------
    def _guarded_models(self):
        from odoo.addons.stock_accuracy.models.stock_accuracy_guarded import StockAccuracyGuarded

        return sorted(
            name
            for name, model in self.env.registry.items()
            if issubclass(model, StockAccuracyGuarded)
            and not model._abstract
            and not model._transient
            and model._auto
        )

    @staticmethod
    def _value_for(field, record):
        current = record[field.name]
        if field.type in ("char", "text", "html"):
            return "forged"
        if field.type in ("integer",):
            return (current or 0) + 7
        if field.type in ("float", "monetary"):
            return (current or 0.0) + 7.5
        if field.type == "boolean":
            return not current
        if field.type == "selection":
            keys = [key for key, _label in field._description_selection(record.env)]
            others = [key for key in keys if key != current]
            return others[0] if others else None
        if field.type == "datetime":
            return "2001-02-03 04:05:06"
        if field.type == "date":
            return "2001-02-03"
        if field.type == "many2one":
            other = (
                record.env[field.comodel_name].sudo().search([("id", "!=", current.id)], limit=1)
            )
            return other.id or None
        if field.type in ("one2many", "many2many"):
            return [[5, 0, 0]] if current else None
        return None

    def _ensure_record(self, name, depth=0):
        """A record of ``name``: the newest one (the flows of setUpClass made one of each model
        that needs them), or one made by the superuser from its required fields (parents of the
        module made the same way)."""
        Model = self.env[name].sudo()
        record = Model.search([], limit=1, order="id desc")
        if record or depth > 3:
            return record
        vals = {}
        for fname, field in Model._fields.items():
            if not field.required or not field.store or field.compute or fname in vals:
                continue
            if field.default is not None:
                continue
            if field.type == "many2one":
                if field.comodel_name.startswith("stock.accuracy."):
                    parent = self._ensure_record(field.comodel_name, depth + 1)
                else:
                    parent = self.env[field.comodel_name].sudo().search([], limit=1)
                vals[fname] = parent.id
            elif field.type == "selection":
                vals[fname] = field._description_selection(self.env)[0][0]
            elif field.type in ("char", "text"):
                vals[fname] = f"every-field {fname}"
            elif field.type in ("integer", "float", "monetary"):
                vals[fname] = 1
            elif field.type == "date":
                vals[fname] = "2026-01-01"
            elif field.type == "datetime":
                vals[fname] = "2026-01-01 00:00:00"
        vals.update(self.CREATE_VALUES.get(name, {}))
        try:
            with self.env.cr.savepoint():
                return Model.with_user(SUPERUSER_ID).create(vals)
        except (UserError, ValidationError, psycopg2.Error):
            return Model.browse()

    def _refused(self, login, model, method, args, kwargs=None):
        """The call is refused with a clear error of the kinds a refusal has."""
        result, error = self._call(login, model, method, args, kwargs)
        self.assertTrue(error, f"{login} {model}.{method}{args} was accepted: {result!r}"[:400])
        self.assertTrue(
            error[0].endswith(("AccessError", "UserError", "ValidationError")),
            f"{login} {model}.{method}: unexpected {error}",
        )
        self.assertTrue(error[1], "the refusal says why")
        return error

    def _fingerprint(self):
        """The data of every model of the module (and the chatter), as the database holds it."""
        self.env.flush_all()
        tables = sorted({self.env[name]._table for name in self._guarded_models()})
        prints = {}
        for table in tables + ["mail_message", "stock_move", "stock_quant"]:
            self.env.cr.execute(
                SQL(
                    "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t.id)) FROM %s t",
                    SQL.identifier(table),
                )
            )
            prints[table] = self.env.cr.fetchone()
        return prints

    # -- the tests -------------------------------------------------------------------------------
    def test_no_role_writes_a_field_the_system_owns(self):
        plan, befores, tried = [], {}, {}
        for name in self._guarded_models():
            Model = self.env[name].sudo()
            record = self._ensure_record(name)
            if not record:
                tried[name] = None
                continue
            system = Model._accuracy_system_fnames()
            fields_ = [
                field
                for fname, field in Model._fields.items()
                if fname in system
                and field.store
                and fname not in ("id", "create_uid", "create_date", "write_uid", "write_date")
                and not fname.startswith(("message_", "activity_"))
            ]
            befores[name] = (record, [f.name for f in fields_])
            tried[name] = 0
            for field in fields_:
                value = self._value_for(field, record)
                if value is not None:
                    plan.append((name, record, field.name, value))
        for name, (record, fnames) in befores.items():
            befores[name] = (record, fnames, record.read(fnames)[0] if fnames else {})
        # Login by login: one session each.
        for login in self.LOGINS:
            for name, record, fname, value in plan:
                with self.subTest(model=name, field=fname, login=login):
                    _result, error = self._call(login, name, "write", [record.ids, {fname: value}])
                    self.assertTrue(error, f"{login} wrote {name}.{fname} = {value!r}")
                    self.assertTrue(error[1])
                    tried[name] += 1
        for name, (record, fnames, before) in befores.items():
            record.invalidate_recordset()
            if fnames:
                self.assertEqual(record.read(fnames)[0], before, name)
        missing = {name for name, count in tried.items() if count is None}
        self.assertFalse(missing, f"no record of {sorted(missing)}: the attack did not reach them")
        self.assertGreater(sum(count for count in tried.values() if count), 200)

    def test_no_role_deletes_what_it_does_not_own(self):
        """Every role deletes a record of every model: refused and kept, but what a manager
        may delete (MANAGER_MAY_DELETE), where the manager deletes the history record instead:
        refused and kept."""
        targets = {name: self._ensure_record(name) for name in self._guarded_models()}
        self.assertTrue(all(targets.values()), targets)
        self.assertFalse(set(self.MANAGER_MAY_DELETE) - set(targets), "a model that is gone")
        for login in self.LOGINS:
            for name, record in targets.items():
                if login == self.MANAGER and name in self.MANAGER_MAY_DELETE:
                    history = self.MANAGER_MAY_DELETE[name]
                    if history is None:
                        continue
                    record = self.history[history]
                with self.subTest(model=name, login=login, record=record.display_name):
                    error = self._refused(login, name, "unlink", [record.ids])
                    self.assertTrue(record.exists(), f"{login} deleted {record}")
                    if login == self.MANAGER and name in self.MANAGER_REFUSALS:
                        self.assertIn(self.MANAGER_REFUSALS[name], error[1])
        # The history that refers to a record was kept too.
        self.history["done_line"].invalidate_recordset()
        self.assertEqual(self.history["done_line"].reason_id, self.history["used_reason"])
        self.assertTrue(self.history["backend"].sudo().with_context(active_test=False).exists())
        runs = self.env["stock.accuracy.sync.run"].search(
            [("backend_id", "=", self.history["backend"].id)]
        )
        self.assertTrue(runs.line_ids)

    def test_manager_deletes_what_is_not_history_yet(self):
        """The allowances of MANAGER_MAY_DELETE hold: a draft session, and a reason, a routing
        rule and a backend nothing refers to yet, are deleted by the manager."""
        backend = self.env["stock.accuracy.backend"].create(
            {
                "name": "Never Synced",
                "warehouse_id": self.warehouse.id,
                "endpoint_url": "http://127.0.0.1:9/never",
            }
        )
        records = [
            self.draft_count,
            self.env["stock.accuracy.reason"].create({"name": "Never Used", "code": "NVU"}),
            self.env["stock.accuracy.exception.rule"].create(
                {"company_id": self.env.company.id, "warehouse_id": self.warehouse.id}
            ),
            self.env["stock.accuracy.backend.product"].create(
                {"backend_id": backend.id, "external_code": "NVU", "product_id": self.product.id}
            ),
            backend,
        ]
        for record in records:
            with self.subTest(model=record._name):
                self.assertIn(record._name, self.MANAGER_MAY_DELETE)
                _result, error = self._call(self.MANAGER, record._name, "unlink", [record.ids])
                self.assertFalse(error)
                self.assertFalse(record.exists())

    def test_counter_and_inventory_user_press_no_button_of_the_configuration(self):
        """Every public button of the configuration and the reconciliation (found by their
        names, so a new one is tried too), pressed by the counter and the inventory user on a
        record: refused, or one of HARMLESS_BUTTONS, which changed no data."""
        before = self._fingerprint()
        pressed = set()
        for login in (self.COUNTER, self.STOCK_USER):
            for name in self.CONFIG_MODELS:
                record = self._ensure_record(name)
                self.assertTrue(record, name)
                cls_ = type(self.env[name])
                buttons = sorted(
                    attr
                    for attr in dir(cls_)
                    if attr.startswith(("action_", "button_"))
                    and callable(getattr(cls_, attr))
                    # Odoo's archiving, on the models that can be archived only
                    and (attr not in ("action_archive", "action_unarchive") or cls_._active_name)
                )
                for button in buttons:
                    with self.subTest(login=login, model=name, button=button):
                        pressed.add((name, button))
                        result, error = self._call(login, name, button, [record.ids])
                        if error:
                            self.assertTrue(
                                error[0].endswith(("AccessError", "UserError", "ValidationError")),
                                f"{login} {name}.{button}: unexpected {error}",
                            )
                            self.assertTrue(error[1], "the refusal says why")
                            continue
                        self.assertIn(
                            (name, button),
                            self.HARMLESS_BUTTONS,
                            f"{login} pressed {name}.{button}: {result!r}"[:400],
                        )
                        self.assertTrue(
                            result in (True, False, None)
                            or (
                                isinstance(result, dict)
                                and result.get("type", "").startswith("ir.actions.")
                            ),
                            result,
                        )
                        self.assertEqual(self._fingerprint(), before, f"{name}.{button}")
        self.assertEqual(self._fingerprint(), before)
        self.assertFalse(set(self.HARMLESS_BUTTONS) - pressed, "a harmless button that is gone")
        # The buttons of the reconciliation and of the classification are among them.
        for button in (
            ("stock.accuracy.backend", "action_sync"),
            ("stock.accuracy.backend", "action_push_now"),
            ("stock.accuracy.sync.run", "action_abort"),
            ("stock.accuracy.sync.outbox", "action_retry"),
            ("stock.accuracy.policy", "action_compute_classification"),
        ):
            self.assertIn(button, pressed)

"""The rules, tried the way they are broken: each role over real JSON-RPC (``/web/dataset/
call_kw`` of the test server, as a web client or a script sends it), writing what it does not
own, reading the book of a blind line by every read path, and applying quantities by Odoo's own
paths where the count rules are on. Each attempt must fail with a clear error and change
nothing."""

import json

import psycopg2

from odoo import SUPERUSER_ID, Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common_counting import CountingCommon

BOOK_READS = ("book_quantity", "difference_quantity", "difference_value", "within_tolerance")


class JsonRpcClient:
    """Calls as a web client or a script sends them, through the test server."""

    def _call(self, login, model, method, args, kwargs=None):
        """One JSON-RPC call as ``login``: (result, error) — error is the server's exception
        name and message, as a web client receives them."""
        self.authenticate(login, login)
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        payload = response.json()
        error = payload.get("error")
        if error:
            data = error.get("data", {})
            return None, (data.get("name", ""), data.get("message", ""))
        return payload["result"], None


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
    """Every model of the module, every field the system owns: written over JSON-RPC by each
    role, on a record of the demo data, and refused with nothing changed."""

    LOGINS = ("sa_every_counter", "sa_every_checker", "sa_every_manager", "sa_every_stock")
    # Models whose records need a whole flow to exist (a SOAP reconciliation, a validated
    # double-check, a monthly snapshot): their guards are tried by their own tests
    # (test_sync_reconcile, test_check_certify, test_kpi, test_classification).
    REACHED_ELSEWHERE = {
        "stock.accuracy.backend.location",
        "stock.accuracy.backend.product",
        "stock.accuracy.check.certified",
        "stock.accuracy.check.line",
        "stock.accuracy.classification.change",
        "stock.accuracy.kpi.snapshot",
        "stock.accuracy.sync.line",
        "stock.accuracy.sync.outbox",
        "stock.accuracy.sync.run",
    }
    # What the required fields alone do not make valid.
    CREATE_VALUES = {
        "stock.accuracy.backend": {
            "wsdl_url": "http://127.0.0.1:9/every-field?wsdl",
            "endpoint_url": "http://127.0.0.1:9/every-field",
        },
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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
            new_test_user(cls.env, login, groups=groups)
        # A session with a line and an exception, for the models whose records need them.
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        product = cls.env["product.product"].create({"name": "Every Field", "is_storable": True})
        cls.env["stock.accuracy.count"].create(
            {
                "warehouse_id": warehouse.id,
                "line_ids": [
                    Command.create(
                        {"product_id": product.id, "location_id": warehouse.lot_stock_id.id}
                    )
                ],
            }
        )
        cls.env["stock.accuracy.exception"].create(
            {
                "type_id": cls.env["stock.accuracy.exception.type"].search([], limit=1).id,
                "company_id": cls.env.company.id,
                "product_id": product.id,
                "location_id": warehouse.lot_stock_id.id,
            }
        )

    def _guarded_models(self):
        from ..models.stock_accuracy_guarded import StockAccuracyGuarded

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
        """A record of ``name``: the newest one, or one made by the superuser from its required
        fields (parents of the module made the same way)."""
        Model = self.env[name].sudo()
        record = Model.search([], limit=1, order="id desc")
        if record or depth > 3 or name in self.REACHED_ELSEWHERE:
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

    def test_no_role_writes_a_field_the_system_owns(self):
        tried = {}
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
            before = record.read([f.name for f in fields_])[0] if fields_ else {}
            count = 0
            for field in fields_:
                value = self._value_for(field, record)
                if value is None:
                    continue
                for login in self.LOGINS:
                    with self.subTest(model=name, field=field.name, login=login):
                        _result, error = self._call(
                            login, name, "write", [record.ids, {field.name: value}]
                        )
                        self.assertTrue(error, f"{login} wrote {name}.{field.name} = {value!r}")
                        self.assertTrue(error[1])
                        count += 1
            record.invalidate_recordset()
            if fields_:
                self.assertEqual(record.read([f.name for f in fields_])[0], before, name)
            tried[name] = count
        missing = {name for name, count in tried.items() if count is None}
        self.assertFalse(
            missing - self.REACHED_ELSEWHERE,
            f"no record of {sorted(missing)}: the attack did not reach them",
        )
        self.assertGreater(sum(count for count in tried.values() if count), 200)

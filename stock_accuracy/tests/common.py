import json

from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class AccuracyCommon(BaseCommon):
    """The world most accuracy tests start from: a warehouse and one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.counter = new_test_user(
            cls.env,
            "sa_counter",
            groups="stock_accuracy.group_accuracy_counter",
            name="Cora Counter",
        )
        cls.checker = new_test_user(
            cls.env,
            "sa_checker",
            groups="stock_accuracy.group_accuracy_checker",
            name="Chen Checker",
        )
        cls.manager = new_test_user(
            cls.env,
            "sa_manager",
            groups="stock_accuracy.group_accuracy_manager",
            name="Mia Manager",
        )
        cls.stock_user = new_test_user(
            cls.env,
            "sa_stock_user",
            groups="stock.group_stock_user",
            name="Sam Stock",
        )


def call_kw(case, model, method, args, kwargs=None):
    """The decoded answer of one JSON-RPC call of ``model.method`` through
    ``/web/dataset/call_kw`` of ``case``'s test server (an HttpCase), in its current session,
    as a web client or a script sends it."""
    response = case.url_open(
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
    case.assertEqual(response.status_code, 200)
    return response.json()

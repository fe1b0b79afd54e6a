from datetime import date, datetime

from odoo import fields

from odoo.addons.stock_accuracy.tests.common import CountCommon


class KpiCommon(CountCommon):
    """A hand-built month of counts in a warehouse of its own (March 2025), whose KPIs are
    worked out by hand in the tests:

    ====  =====  ====  =======  ====  ==========  ==========  ======
    line  class  book  counted  cost  book value  diff value  within
    ====  =====  ====  =======  ====  ==========  ==========  ======
    1     A      10    10       5     50          0           yes
    2     A      10    8        5     50          -10         no (A: 1 %)
    3     C      100   105      1     100         +5          yes (C: 5 %)
    4     C      20    20       2     40          0           yes
    ====  =====  ====  =======  ====  ==========  ==========  ======

    plus lines that must not count: a recount line, a cancelled line, a line counted in April.

    Double-checks of deliveries of the warehouse, March 10 (picker Sam, checker Chen):

    =====  ======  ========  =======  =======  ========
    check  state   product   expects  checked  result
    =====  ======  ========  =======  =======  ========
    DC-1   passed  A1        4        4        match
    DC-1   passed  C1        2        2        match
    DC-2   failed  A2        5        3        short
    DC-2   failed  C2        1        1        match
    =====  ======  ========  =======  =======  ========

    Double-check error rate: 1 / 4. Not checked lines: a check still in progress, and a
    check finished in April (one mismatching line each).
    """

    MONTH = date(2025, 3, 1)
    MONTH_END = date(2025, 3, 31)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.write(
            {
                "tolerance_percent_a": 1.0,
                "tolerance_percent_c": 5.0,
                "tolerance_value_a": 0.0,
                "tolerance_value_c": 0.0,
            }
        )
        Reason = cls.env["stock.accuracy.reason"]
        cls.reason_count = Reason.create(
            {"code": "KPI-CNT", "name": "KPI miscount", "category": "counting"}
        )
        cls.reason_theft = Reason.create(
            {"code": "KPI-THF", "name": "KPI theft", "category": "theft"}
        )
        cls.p_a1 = cls._product("KPI A1", cost=5.0)
        cls.p_a2 = cls._product("KPI A2", cost=5.0)
        cls.p_c1 = cls._product("KPI C1", cost=1.0)
        cls.p_c2 = cls._product("KPI C2", cost=2.0)
        cls.session = cls._session(cls.wh, "done")
        counted_on = datetime(2025, 3, 10, 9, 0)
        cls.lines = cls._lines(
            cls.session,
            [
                (cls.p_a1, "a", 10, 10, 5.0, False, counted_on),
                (cls.p_a2, "a", 10, 8, 5.0, cls.reason_theft, counted_on),
                (cls.p_c1, "c", 100, 105, 1.0, cls.reason_count, counted_on),
                (cls.p_c2, "c", 20, 20, 2.0, False, counted_on),
            ],
        )
        recount = cls._lines(cls.session, [(cls.p_a2, "a", 10, 9, 5.0, False, counted_on)])
        recount.sudo()._write_internal({"origin_line_id": cls.lines[1].id})
        cls._lines(cls.session, [(cls.p_c1, "c", 10, 1, 1.0, False, counted_on)], state="cancel")
        cls._lines(cls.session, [(cls.p_c1, "c", 10, 0, 1.0, False, datetime(2025, 4, 2, 9, 0))])
        cls.checks = cls._check(
            "passed", counted_on, [(cls.p_a1, 4, 4, "match"), (cls.p_c1, 2, 2, "match")]
        )
        cls.checks |= cls._check(
            "failed", counted_on, [(cls.p_a2, 5, 3, "short"), (cls.p_c2, 1, 1, "match")]
        )
        cls._check("in_progress", False, [(cls.p_a1, 3, 0, False)])
        cls._check("failed", datetime(2025, 4, 2, 9, 0), [(cls.p_a1, 3, 1, "short")])

    @classmethod
    def _session(cls, warehouse, state, scheduled=None):
        return cls.env["stock.accuracy.count"].create(
            {
                "warehouse_id": warehouse.id,
                "company_id": warehouse.company_id.id,
                "state": state,
                "scheduled_date": scheduled or fields.Date.today(),
            }
        )

    @classmethod
    def _check(cls, state, done_on, rows):
        """A double-check of a delivery of the warehouse as its finish leaves it, with lines
        [(product, expected, checked, result)]."""
        picking = cls.env["stock.picking"].create(
            {
                "picking_type_id": cls.wh.out_type_id.id,
                "location_id": cls.stock.id,
                "location_dest_id": cls.customers.id,
            }
        )
        check = cls.env["stock.accuracy.check"].sudo().create({"picking_id": picking.id})
        check.write(
            {
                "state": state,
                "date_done": done_on,
                "checker_id": cls.checker.id,
                "prepared_by_id": cls.stock_user.id,
            }
        )
        cls.env["stock.accuracy.check.line"].sudo().create(
            [
                {
                    "check_id": check.id,
                    "product_id": product.id,
                    "expected_qty": expected,
                    "checked_qty": checked,
                    "difference_qty": checked - expected if result else 0.0,
                    "result": result,
                }
                for product, expected, checked, result in rows
            ]
        )
        return check

    @classmethod
    def _lines(cls, session, rows, state="done"):
        return cls.env["stock.accuracy.count.line"].create(
            [
                {
                    "count_id": session.id,
                    "product_id": product.id,
                    "location_id": session.warehouse_id.lot_stock_id.id,
                    "abc_class": abc,
                    "book_quantity": book,
                    "counted_quantity": counted,
                    "unit_cost": cost,
                    "reason_id": reason.id if reason else False,
                    "counter_id": cls.counter.id,
                    "counted_date": counted_on,
                    "done_date": counted_on,
                    "state": state,
                }
                for product, abc, book, counted, cost, reason, counted_on in rows
            ]
        )

    def _kpis(self, date_from=None, date_to=None, warehouses=None, companies=None):
        Snapshot = self.env["stock.accuracy.kpi.snapshot"]
        rows = Snapshot._compute_kpis(
            companies or self.env.company,
            date_from or self.MONTH,
            date_to or self.MONTH_END,
            warehouses if warehouses is not None else self.wh,
        )
        return Snapshot._totals(rows)

import bisect
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .stock_accuracy_count import OPEN_STATES

CLASS_ORDER = {"a": 0, "b": 1, "c": 2}
# Planned item key -> count line column, for the set-based insert of the lines.
INSERT_ITEM_KEYS = {
    "product_id": "product_id",
    "location_id": "location_id",
    "lot_id": "lot_id",
    "package_id": "package_id",
    "owner_id": "owner_id",
    "quant_id": "quant_id",
    "abc_class": "abc_class",
    "quantity": "book_quantity",
}


class StockAccuracyPlanner(models.AbstractModel):
    """Cycle-count planning: which quants are due, on which counting day, in which session."""

    _name = "stock.accuracy.planner"
    _description = "Cycle Count Planner"

    @api.model
    def _counting_days(self, policy, date_from, horizon):
        weekdays = policy._counting_weekdays()
        return [
            day
            for day in (date_from + timedelta(days=offset) for offset in range(horizon))
            if day.weekday() in weekdays
        ]

    @api.model
    def _prepare_inventory_dates(self, warehouses):
        """Temporary table ``accuracy_plan_inv``: the last inventory adjustment of every
        (location, product, lot) in the internal locations of ``warehouses``, from one pass
        over the inventory moves for all of them (the move lines are joined from the few
        inventory moves, both sides at once)."""
        self.env["stock.move"].flush_model(["is_inventory", "state"])
        self.env["stock.move.line"].flush_model()
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS accuracy_plan_inv"))
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE accuracy_plan_inv ON COMMIT DROP AS
            WITH loc AS (
                SELECT id FROM stock_location
                 WHERE warehouse_id IN %(warehouses)s AND usage = 'internal'
            ),
            lines AS (
                SELECT sml.location_id, sml.location_dest_id, sml.product_id,
                       COALESCE(sml.lot_id, 0) AS lot_id, sml.date
                  FROM stock_move sm
                  JOIN stock_move_line sml ON sml.move_id = sm.id
                 WHERE sm.is_inventory AND sm.state = 'done' AND sml.state = 'done'
            )
            SELECT x.location_id, x.product_id, x.lot_id, MAX(x.date) AS date
              FROM (
                SELECT location_id, product_id, lot_id, date FROM lines
                 WHERE location_id IN (SELECT id FROM loc)
                 UNION ALL
                SELECT location_dest_id, product_id, lot_id, date FROM lines
                 WHERE location_dest_id IN (SELECT id FROM loc)
              ) x
             GROUP BY x.location_id, x.product_id, x.lot_id
            """,
                warehouses=tuple(warehouses.ids) or (0,),
            ),
        )
        cr.execute(SQL("ANALYZE accuracy_plan_inv"))

    @api.model
    def _select_due_items(self, policy, date_from, date_to, inventory_prepared=False):
        """Quants (location, product, lot) of the policy's warehouse due for a count by
        date_to, not already in an open session, in planning priority: overdue first, then
        class, then due date, then location path. ``inventory_prepared``: the caller already
        built ``accuracy_plan_inv`` for this warehouse (see _prepare_inventory_dates)."""
        if not inventory_prepared:
            self._prepare_inventory_dates(policy.warehouse_id)
        for model in (
            "stock.quant",
            "stock.move",
            "stock.move.line",
            "stock.location",
            "stock.accuracy.classification",
            "stock.accuracy.count",
            "stock.accuracy.count.line",
        ):
            self.env[model].flush_model()
        policy.flush_recordset()
        warehouse = policy.warehouse_id
        self.env.cr.execute(
            SQL(
                """
            WITH wh_loc AS (
                SELECT loc.id, loc.complete_name, loc.parent_path
                  FROM stock_location loc
                 WHERE loc.warehouse_id = %(wh)s AND loc.usage = 'internal' AND loc.active
            ),
            q AS (
                SELECT sq.location_id, sq.product_id, COALESCE(sq.lot_id, 0) AS lot_id,
                       MIN(sq.id) AS quant_id, SUM(sq.quantity) AS quantity,
                       MIN(sq.in_date) AS in_date, MIN(sq.package_id) AS package_id,
                       MIN(sq.owner_id) AS owner_id
                  FROM stock_quant sq
                  JOIN wh_loc ON wh_loc.id = sq.location_id
                 GROUP BY sq.location_id, sq.product_id, COALESCE(sq.lot_id, 0)
                HAVING SUM(sq.quantity) <> 0
            ),
            inv AS (
                SELECT location_id, product_id, lot_id, date FROM accuracy_plan_inv
            ),
            counted AS (
                SELECT l.location_id, l.product_id, COALESCE(l.lot_id, 0) AS lot_id,
                       MAX(l.counted_date) AS date
                  FROM stock_accuracy_count_line l
                 WHERE l.state = 'done' AND l.warehouse_id = %(wh)s
                 GROUP BY l.location_id, l.product_id, COALESCE(l.lot_id, 0)
            ),
            open_lines AS (
                SELECT DISTINCT l.location_id, l.product_id, COALESCE(l.lot_id, 0) AS lot_id
                  FROM stock_accuracy_count_line l
                  JOIN stock_accuracy_count c ON c.id = l.count_id
                 WHERE c.warehouse_id = %(wh)s AND c.state IN %(open)s AND l.state != 'cancel'
            ),
            items AS (
                SELECT q.*, COALESCE(cl.abc_class, 'c') AS abc_class,
                       (COALESCE(GREATEST(inv.date, counted.date), q.in_date,
                                 now() AT TIME ZONE 'UTC')::date
                        + CASE COALESCE(cl.abc_class, 'c')
                               WHEN 'a' THEN %(int_a)s WHEN 'b' THEN %(int_b)s
                               ELSE %(int_c)s END) AS due_date,
                       wh_loc.complete_name,
                       CASE WHEN wh_loc.parent_path LIKE %(stock_path_prefix)s
                            THEN COALESCE(NULLIF(split_part(wh_loc.parent_path, '/',
                                                            %(zone_part)s), '')::int,
                                          wh_loc.id)
                            ELSE wh_loc.id END AS zone_id
                  FROM q
                  JOIN wh_loc ON wh_loc.id = q.location_id
                  LEFT JOIN stock_accuracy_classification cl
                    ON cl.product_id = q.product_id AND cl.warehouse_id = %(wh)s
                  LEFT JOIN inv ON inv.location_id = q.location_id
                   AND inv.product_id = q.product_id AND inv.lot_id = q.lot_id
                  LEFT JOIN counted ON counted.location_id = q.location_id
                   AND counted.product_id = q.product_id AND counted.lot_id = q.lot_id
                 WHERE NOT EXISTS (
                    SELECT 1 FROM open_lines o
                     WHERE o.location_id = q.location_id AND o.product_id = q.product_id
                       AND o.lot_id = q.lot_id)
            )
            SELECT location_id, product_id, lot_id, quant_id, quantity, package_id, owner_id,
                   abc_class, due_date, complete_name, zone_id
              FROM items
             WHERE due_date <= %(date_to)s
             ORDER BY due_date < %(date_from)s DESC, abc_class, due_date, complete_name,
                      product_id, lot_id
            """,
                wh=warehouse.id,
                open=OPEN_STATES,
                int_a=policy.interval_a,
                int_b=policy.interval_b,
                int_c=policy.interval_c,
                stock_path_prefix=warehouse.lot_stock_id.parent_path + "%",
                zone_part=warehouse.lot_stock_id.parent_path.count("/") + policy.zone_depth,
                date_from=date_from,
                date_to=date_to,
            ),
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _planned_load(self, policy, days):
        """Lines already planned on each counting day in open sessions of the warehouse."""
        if not days:
            return {}
        self.env.cr.execute(
            SQL(
                """
            SELECT c.scheduled_date, COUNT(l.id)
              FROM stock_accuracy_count c
              JOIN stock_accuracy_count_line l ON l.count_id = c.id AND l.state != 'cancel'
             WHERE c.warehouse_id = %s AND c.state IN %s AND c.scheduled_date IN %s
             GROUP BY c.scheduled_date
            """,
                policy.warehouse_id.id,
                OPEN_STATES,
                tuple(days),
            ),
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _schedule(self, policy, items, days):
        """Give each item a counting day: first every item that can still be on time takes
        the latest day with room on or before its due date (the unit-job-with-deadline
        greedy, in priority order, so A items keep their interval); then overdue items and
        those that found no room take the earliest day with room, overdue first. Returns
        {day: [items in walking order]} and the items left unplanned."""
        load = self._planned_load(policy, days)
        room = [max(policy.daily_capacity - load.get(day, 0), 0) for day in days]
        left = list(range(len(days)))  # latest day <= i with room ("find" pointers)
        right = list(range(len(days) + 1))  # earliest day >= i with room

        def find(pointers, index):
            root = index
            while 0 <= root < len(days) and pointers[root] != root:
                root = pointers[root]
            while 0 <= index < len(days) and pointers[index] != index:
                pointers[index], index = root, pointers[index]
            return root

        def close(index):
            left[index] = index - 1
            right[index] = index + 1

        for index in range(len(days)):
            if not room[index]:
                close(index)
        plan = defaultdict(list)

        def assign(item, day_index):
            room[day_index] -= 1
            if not room[day_index]:
                close(day_index)
            plan[days[day_index]].append(item)

        late = []
        for item in items:
            item["due_index"] = bisect.bisect_right(days, item["due_date"]) - 1
            day_index = find(left, item["due_index"]) if item["due_index"] >= 0 else -1
            if day_index < 0:
                late.append(item)
            else:
                assign(item, day_index)
        unplanned = []
        for item in late:
            day_index = find(right, item["due_index"] + 1)
            if day_index >= len(days):
                unplanned.append(item)
            else:
                assign(item, day_index)
        for day_items in plan.values():
            day_items.sort(key=lambda i: (i["complete_name"], i["product_id"], i["lot_id"]))
        return dict(plan), unplanned

    @api.model
    def _lock_policies(self, policies):
        """Serialize planning per warehouse: a second planner waits, then fails to serialize
        and is retried, and sees the lines the first one created."""
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_accuracy_policy SET last_plan_date = now() AT TIME ZONE 'UTC'
             WHERE id IN %s
            """,
                tuple(policies.ids),
            ),
        )
        policies.invalidate_recordset(["last_plan_date"])

    @api.model
    def _compute_plan(self, policies, horizon, date_from=None):
        """{policy: (plan by day, unplanned items)} without writing anything."""
        date_from = date_from or fields.Date.context_today(self)
        result = {}
        if policies:
            self._prepare_inventory_dates(policies.warehouse_id)
        for policy in policies:
            days = self._counting_days(policy, date_from, horizon)
            if not days:
                result[policy] = ({}, [])
                continue
            items = self._select_due_items(policy, date_from, days[-1], inventory_prepared=True)
            result[policy] = self._schedule(policy, items, days)
        return result

    @api.model
    def _session_groups(self, policy, plan):
        """[(day, zone_id, items)]: one session per day and zone, in walking order."""
        groups = []
        for day in sorted(plan):
            by_zone = defaultdict(list)
            for item in plan[day]:
                by_zone[item["zone_id"]].append(item)
            zones = sorted(by_zone, key=lambda z: by_zone[z][0]["complete_name"])
            groups.extend((day, zone, by_zone[zone]) for zone in zones)
        return groups

    @api.model
    def _plan_counts(self, policies, horizon, date_from=None):
        """Plan and create the cycle-count sessions of the policies' warehouses."""
        policies = policies.sudo()
        if not policies:
            return self.env["stock.accuracy.count"]
        self._lock_policies(policies)
        plans = self._compute_plan(policies, horizon, date_from=date_from)
        Count = (
            self.env["stock.accuracy.count"]
            .sudo()
            ._accuracy_internal()
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
            )
        )
        sessions = Count.browse()
        for policy in policies:
            plan, _unplanned = plans[policy]
            groups = self._session_groups(policy, plan)
            if not groups:
                continue
            counters = policy.counter_ids.sorted("id")
            session_vals = []
            for index, (day, zone, _items) in enumerate(groups):
                counter = counters[index % len(counters)] if counters else counters
                session_vals.append(
                    {
                        "warehouse_id": policy.warehouse_id.id,
                        "company_id": policy.company_id.id,
                        "count_type": "cycle",
                        "trigger": "plan",
                        "scheduled_date": day,
                        "zone_location_id": zone,
                        "blind": policy.blind,
                        "counter_ids": [fields.Command.set(counter.ids)],
                    }
                )
            created = Count.create(session_vals)
            columns = {name: [] for name in self.env["stock.accuracy.count.line"].INSERT_FIELDS}
            for session, (_day, _zone, items) in zip(created, groups, strict=True):
                columns["count_id"].extend([session.id] * len(items))
                columns["sequence"].extend(range(1, len(items) + 1))
                for name in INSERT_ITEM_KEYS:
                    columns[INSERT_ITEM_KEYS[name]].extend([item[name] for item in items])
            columns["lot_id"] = [lot_id or None for lot_id in columns["lot_id"]]
            self.env["stock.accuracy.count.line"].sudo()._insert_planned_lines(columns)
            sessions |= created
        return sessions

    @api.model
    def _cron_plan_counts(self, horizon=14):
        policies = self.env["stock.accuracy.policy"].search([])
        return self._plan_counts(policies, horizon)

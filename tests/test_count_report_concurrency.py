"""Two transactions applying counts of the same day, warehouse, class, counter and reason at once.

The count report reads daily totals that a PostgreSQL trigger keeps on every change of the
count lines. Two counts applied together add to the same total row: one waits for the other,
then PostgreSQL refuses the stale update with a serialization failure, which Odoo's
``retrying`` (what runs every request and cron job) replays. No count may be lost or counted
twice. The row locks are taken in key order, so two transactions touching several rows cannot
deadlock each other.
"""

RACE = """
from odoo import fields

warehouse = env['stock.warehouse'].search([], limit=1)
products = env['product.product'].search([('is_storable', '=', True)], limit=4)
assert len(products) == 4, 'not enough storable products in the demo data'
session = env['stock.accuracy.count'].create({
    'warehouse_id': warehouse.id, 'company_id': warehouse.company_id.id, 'state': 'done',
    'scheduled_date': fields.Date.today()})
reason = env.ref('stock_accuracy.reason_cnt')
now = fields.Datetime.now()
# Plain values: the threads must not read through this environment's cursor.
session_id, location_id, reason_id = session.id, warehouse.lot_stock_id.id, reason.id
product_ids = products.ids


def totals():
    env.cr.execute('''
        SELECT abc, COALESCE(SUM(d.line_count), 0), COALESCE(SUM(d.difference_value), 0)
          FROM unnest(ARRAY['a', 'b']) abc
     LEFT JOIN stock_accuracy_count_report_day d
            ON d.abc_class = abc AND d.warehouse_id = %s AND d.reason_id = %s
           AND d.counter_id = %s AND d.day = %s::date
         GROUP BY abc''', [warehouse.id, reason_id, SUPERUSER_ID, now])
    return {abc: (count, float(value)) for abc, count, value in env.cr.fetchall()}


before = totals()
env.cr.commit()

def apply_counts(classes):
    def task(wenv):
        lines = wenv['stock.accuracy.count.line'].create([{
            'count_id': session_id, 'product_id': product_id, 'location_id': location_id,
            'abc_class': abc, 'book_quantity': 10, 'counted_quantity': 9, 'unit_cost': 2.0,
            'reason_id': reason_id, 'counter_id': SUPERUSER_ID,
            'counted_date': now, 'done_date': now, 'state': 'done',
        } for product_id, abc in zip(product_ids, classes)])
        wenv.flush_all()
        return len(lines)
    return task

# Both add to classes a and b; one in the order a, b, the other b, a.
results, errors = race(apply_counts(['a', 'b', 'a', 'b']), apply_counts(['b', 'a', 'b', 'a']))
print('RESULTS', results, 'ERRORS', errors)
assert not errors, errors

env.invalidate_all()
rows = totals()
print('TOTALS', before, rows)
assert rows == {
    abc: (count + 4, value - 8.0) for abc, (count, value) in before.items()
}, (before, rows)
env.cr.execute('''
    SELECT COUNT(*) FROM (
        SELECT COALESCE(counted_date, done_date, create_date)::date, company_id, warehouse_id,
               abc_class, counter_id, reason_id, COUNT(*) AS n
          FROM stock_accuracy_count_line WHERE state = 'done' AND origin_line_id IS NULL
         GROUP BY 1, 2, 3, 4, 5, 6
        EXCEPT
        SELECT day, company_id, warehouse_id, abc_class, counter_id, reason_id, line_count
          FROM stock_accuracy_count_report_day) missing''')
assert env.cr.fetchone()[0] == 0, 'the daily totals differ from the lines'
print('RACE-OK')
"""


def test_concurrent_counts_add_up_in_the_daily_totals(race_shell):
    output = race_shell(RACE)
    assert "RACE-OK" in output, output[-4000:]
    assert "RESULTS [4, 4]" in output

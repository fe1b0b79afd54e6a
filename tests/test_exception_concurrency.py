"""Two transactions on two real PostgreSQL connections raising the same anomalies at once.

The exception queue promises one open exception per anomaly even when the detectors run twice
at the same time (the cron and a manager's button) or two documents raise the same anomaly
concurrently. Each side runs the way Odoo runs a request or a cron job
(``odoo.service.model.retrying``: a serialization failure is retried, any other database
error is an error), started together behind a barrier.
"""

RACE = """
quant = env['stock.quant'].search([
    ('location_id.usage', '=', 'internal'), ('quantity', '>', 0), ('lot_id', '=', False),
    ('product_id.tracking', '=', 'none'),
], limit=1)
assert quant, 'no internal quant in the demo data'
env.cr.execute("UPDATE stock_quant SET quantity = -3 WHERE id = %s", [quant.id])
product, location = quant.product_id, quant.location_id
env.cr.commit()

def detect(wenv):
    return wenv['stock.accuracy.exception.detector']._run_all(type_codes=['negative_stock'])

def raise_variance(wenv):
    found = wenv['stock.accuracy.exception']._raise_exception(
        'count_variance', product.with_env(wenv), {'location_id': location.id, 'quantity': 2})
    return found.id

for task in (detect, raise_variance):
    results, errors = race(task, task)
    print('TASK', task.__name__, 'RESULTS', results, 'ERRORS', errors)
    assert not errors, errors

env.invalidate_all()
for code in ('negative_stock', 'count_variance'):
    found = env['stock.accuracy.exception'].search([
        ('type_id.code', '=', code), ('product_id', '=', product.id),
        ('location_id', '=', location.id), ('state', 'in', ('new', 'in_progress')),
    ])
    print('OPEN', code, len(found))
    assert len(found) == 1, (code, found)
print('RACE-OK')
"""


def test_concurrent_detectors_and_raises_create_one_exception(race_shell):
    output = race_shell(RACE)
    assert "RACE-OK" in output, output[-4000:]
    assert "OPEN negative_stock 1" in output
    assert "OPEN count_variance 1" in output

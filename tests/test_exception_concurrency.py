"""Two transactions on two real PostgreSQL connections raising the same anomalies at once.

The exception queue promises one open exception per anomaly even when the detectors run twice
at the same time (the cron and a manager's button) or two documents raise the same anomaly
concurrently. Each side runs the way Odoo runs a request or a cron job
(``odoo.service.model.retrying``: a serialization failure is retried, any other database
error is an error), started together behind a barrier.
"""

RACE = """
import threading
from odoo import api, SUPERUSER_ID
from odoo.service.model import retrying

registry = env.registry
quant = env['stock.quant'].search([
    ('location_id.usage', '=', 'internal'), ('quantity', '>', 0), ('lot_id', '=', False),
    ('product_id.tracking', '=', 'none'),
], limit=1)
assert quant, 'no internal quant in the demo data'
env.cr.execute("UPDATE stock_quant SET quantity = -3 WHERE id = %s", [quant.id])
product, location = quant.product_id, quant.location_id
env.cr.commit()

barrier = threading.Barrier(2)
results, errors = [], []

def work(task):
    try:
        with registry.cursor() as cr:
            wenv = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute("SELECT 1")  # the transaction's snapshot starts before the race
            barrier.wait(timeout=60)
            results.append(retrying(lambda: task(wenv), wenv))
    except Exception as error:  # reported below, the test asserts there is none
        errors.append(repr(error))

def detect(wenv):
    return wenv['stock.accuracy.exception.detector']._run_all(type_codes=['negative_stock'])

def raise_variance(wenv):
    found = wenv['stock.accuracy.exception']._raise_exception(
        'count_variance', product.with_env(wenv), {'location_id': location.id, 'quantity': 2})
    return found.id

for task in (detect, raise_variance):
    threads = [threading.Thread(target=work, args=(task,)) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    print('TASK', task.__name__, 'RESULTS', results, 'ERRORS', errors)
    assert not errors, errors
    results.clear()

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


def test_concurrent_detectors_and_raises_create_one_exception(site, tenant):
    output = site.shell(tenant, RACE)
    assert "RACE-OK" in output, output[-4000:]
    assert "OPEN negative_stock 1" in output
    assert "OPEN count_variance 1" in output

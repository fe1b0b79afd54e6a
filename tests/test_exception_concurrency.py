"""Two transactions on two real PostgreSQL connections raising the same anomalies at once.

The exception queue promises one open exception per anomaly even when the detectors run twice
at the same time (the cron and a manager's button) or two documents raise the same anomaly
concurrently. Each side runs the way Odoo runs a request or a cron job
(``odoo.service.model.retrying``: a serialization failure is retried, any other database
error is an error), started together behind a barrier.
"""


def test_concurrent_detectors_and_raises_create_one_exception(site, tenant):
    opened = site.call(tenant, "odoo_tasks.exception_race")
    assert opened == {"negative_stock": 1, "count_variance": 1}

"""Two transactions applying counts of the same day, warehouse, class, counter and reason at once.

The count report reads daily totals that a PostgreSQL trigger keeps on every change of the
count lines. Two counts applied together add to the same total row: one waits for the other,
then PostgreSQL refuses the stale update with a serialization failure, which Odoo's
``retrying`` (what runs every request and cron job) replays. No count may be lost or counted
twice. The row locks are taken in key order, so two transactions touching several rows cannot
deadlock each other.
"""


def test_concurrent_counts_add_up_in_the_daily_totals(site, tenant):
    assert site.call(tenant, "odoo_tasks.count_report_race") == [4, 4]

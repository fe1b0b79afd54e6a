"""The large-tenant generator: Odoo + stock_accuracy, N products, W warehouses with a location tree,
M done stock moves over twelve months, consistent quants; a consistency check; a cached dump.

Master data (partners, warehouses, locations, products) goes through the ORM so every computed
and constrained column is Odoo's own. History (lots, pickings, moves, move lines, quants) is
set-based SQL: one INSERT ... SELECT per table from temporary tables built with generate_series,
with the foreign key triggers and the secondary indexes of the big tables off while it runs.

History is a set of "chains", each the life of one received batch of one product: received
(or found by an inventory adjustment) into the product's home bin, sometimes moved to another
bin, then delivered, lost in an inventory adjustment or kept. Chains never take out more than
they brought in, so stock never goes negative and every lot's history makes sense.
"""

import ast
import hashlib
import json
import math
import os
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from harness import odoo as harness_odoo
from harness.pg import PG_BIN

PREFIX = "BENCH-"
SEED = 0.20261125
# Moves per cycle of 20 chains, see _history_sql: 14 x 2 + 2 x 3 + 1 + 2 + 2 + 2.
MOVES_PER_CYCLE = 41
CHAINS_PER_CYCLE = 20


class ConsistencyError(AssertionError):
    """The generated database is not one Odoo agrees with."""


@dataclass(frozen=True)
class Size:
    products: int = 20_000
    warehouses: int = 3
    moves: int = 1_000_000

    @property
    def label(self):
        return f"{self.products}p/{self.warehouses}wh/{self.moves}m"


# -- cache ------------------------------------------------------------------------------------


def code_version():
    """What invalidates a cached dump: this file, the module's version and Odoo's."""
    digest = hashlib.sha1(Path(__file__).read_bytes())
    manifest = harness_odoo.ROOT / harness_odoo.MODULE / "__manifest__.py"
    version = ast.literal_eval(manifest.read_text())["version"]
    digest.update(version.encode())
    digest.update((harness_odoo.ODOO_PATH / "odoo" / "release.py").read_bytes())
    return digest.hexdigest()[:12]


def cache_key(size, template=None):
    payload = json.dumps(
        {"size": asdict(size), "seed": SEED, "code": code_version(), "template": template}
    )
    return (
        f"{size.products}p-{size.warehouses}wh-{size.moves}m-"
        + (hashlib.sha1(payload.encode()).hexdigest()[:12])
    )


def dump(cluster, dbname, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    subprocess.run(
        [str(PG_BIN / "pg_dump"), "-Fc", "-Z", "1", "-f", str(partial), dbname],
        env=cluster.env(),
        check=True,
    )
    partial.rename(path)


def restore(cluster, path, dbname, jobs=2):
    cluster.dropdb(dbname)
    cluster.createdb(dbname)
    subprocess.run(
        [str(PG_BIN / "pg_restore"), "-j", str(jobs), "--no-owner", "-d", dbname, str(path)],
        env=cluster.env(),
        check=True,
    )
    cluster.psql(dbname, "ANALYZE")


def drop_filestore(config, dbname):
    shutil.rmtree(
        Path(_config_value(config, "data_dir")) / "filestore" / dbname, ignore_errors=True
    )


def save_filestore(config, dbname, path):
    source = Path(_config_value(config, "data_dir")) / "filestore" / dbname
    if source.is_dir():
        shutil.make_archive(str(path), "gztar", root_dir=source)


def load_filestore(config, dbname, path):
    archive = Path(str(path) + ".tar.gz")
    target = Path(_config_value(config, "data_dir")) / "filestore" / dbname
    shutil.rmtree(target, ignore_errors=True)
    if archive.exists():
        shutil.unpack_archive(str(archive), str(target))


def _config_value(config, key):
    for line in Path(config).read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() == key:
            return value.strip()
    raise KeyError(key)


# -- building ---------------------------------------------------------------------------------


def build(cluster, config, dbname, size, log, say=print, template=None):
    """Create dbname and fill it; returns a dict of facts about the dataset.

    dbname starts as Odoo + stock_accuracy installed without demo data, or, with template, as a
    copy of that database (one that already has the module: the root tests pass theirs)."""
    started = time.time()
    cluster.dropdb(dbname)
    if template:
        say(f"copying {template} (Odoo + the suite installed) to {dbname}")
        cluster.createdb(dbname, template=template)
    else:
        say(f"installing Odoo + the suite without demo data into {dbname} (log: {log})")
        harness_odoo.install(cluster, config, dbname, [harness_odoo.SUITE], demo=False, log=log)
    installed = time.time()
    registry = open_registry(config, dbname)
    with registry.cursor() as cr:
        env = superuser_env(cr)
        say(f"master data: {size.warehouses} warehouses, locations, {size.products} products")
        master = create_master_data(env, size)
        cr.commit()
        mastered = time.time()
        say(f"history: {size.moves} done moves with move lines, lots, pickings, quants (SQL)")
        create_history(env, size, master)
        cr.commit()
    finished = time.time()
    facts = {
        "install_s": round(installed - started, 1),
        "master_data_s": round(mastered - installed, 1),
        "history_s": round(finished - mastered, 1),
        "build_s": round(finished - started, 1),
    }
    return facts


def open_registry(config, dbname):
    import odoo
    from odoo.modules.registry import Registry

    if not _CONFIGURED:  # Odoo's configuration can be parsed once per process
        odoo.tools.config.parse_config(["-c", str(config), "--log-level", "warn"])
        _CONFIGURED.append(str(config))
    elif _CONFIGURED[0] != str(config):
        raise RuntimeError(f"Odoo is configured from {_CONFIGURED[0]}, not {config}")
    return Registry(dbname)


_CONFIGURED = []


def superuser_env(cr):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, {})


NO_MAIL = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}


def location_tree_shape(size):
    """Zones, aisles per zone and bins per aisle under each WH/Stock: about one bin per 20
    products, so a bin holds a handful of products as in a real picking area."""
    large = size.products >= 2000
    zones = 4 if large else 2
    aisles = 10 if large else 2
    bins = max(2, math.ceil(max(8, size.products // 20) / (zones * aisles)))
    return zones, aisles, bins


def create_master_data(env, size):
    company = env.company
    Partner = env["res.partner"].with_context(**NO_MAIL)
    vendors = Partner.create(
        [{"name": f"Bench Vendor {i:02d}", "is_company": True} for i in range(1, 21)]
    )
    customers = Partner.create(
        [{"name": f"Bench Customer {i:02d}", "is_company": True} for i in range(1, 51)]
    )
    Warehouse = env["stock.warehouse"].with_context(**NO_MAIL)
    warehouses = Warehouse.search([("company_id", "=", company.id)], order="id", limit=1)
    for index in range(len(warehouses) + 1, size.warehouses + 1):
        warehouses |= Warehouse.create({"name": f"Bench Warehouse {index}", "code": f"BW{index}"})
    warehouses = warehouses[: size.warehouses]

    zones, aisles, bins = location_tree_shape(size)
    Location = env["stock.location"].with_context(**NO_MAIL)
    bin_ids = {}
    for warehouse in warehouses:
        stock = warehouse.lot_stock_id
        zone_records = Location.create(
            [
                {"name": f"Zone {chr(65 + z)}", "location_id": stock.id, "usage": "internal"}
                for z in range(zones)
            ]
        )
        aisle_values = []
        for z, zone in enumerate(zone_records):
            for a in range(1, aisles + 1):
                aisle_values.append(
                    {"name": f"Aisle {chr(65 + z)}{a:02d}", "location_id": zone.id, "usage": "view"}
                )
        aisle_records = Location.create(aisle_values)
        bin_values = []
        for aisle in aisle_records:
            code = aisle.name.split()[-1]
            for b in range(1, bins + 1):
                bin_values.append(
                    {
                        "name": f"{code}-{b:02d}",
                        "location_id": aisle.id,
                        "usage": "internal",
                        "barcode": f"{warehouse.code}-{code}-{b:02d}",
                    }
                )
        bin_ids[warehouse.id] = Location.create(bin_values).ids

    Template = env["product.template"].with_context(**NO_MAIL)
    width = len(str(size.products))
    for start in range(1, size.products + 1, 2000):
        values = []
        for rank in range(start, min(start + 2000, size.products + 1)):
            tracking = "serial" if rank % 50 == 13 else "lot" if rank % 20 == 7 else "none"
            values.append(
                {
                    "name": f"Bench product {rank:0{width}d}",
                    "default_code": f"{PREFIX}{rank:0{width}d}",
                    "type": "consu",
                    "is_storable": True,
                    "tracking": tracking,
                }
            )
        Template.create(values)
        env.flush_all()
        env.invalidate_all()
    product = env["product.product"].search([("default_code", "=like", PREFIX + "%")], limit=1)
    return {
        "company_id": company.id,
        "vendor_ids": vendors.ids,
        "customer_ids": customers.ids,
        "warehouses": [
            {
                "id": wh.id,
                "code": wh.code,
                "stock_id": wh.lot_stock_id.id,
                "in_type_id": wh.in_type_id.id,
                "out_type_id": wh.out_type_id.id,
                "int_type_id": wh.int_type_id.id,
                "in_code": wh.in_type_id.sequence_code,
                "out_code": wh.out_type_id.sequence_code,
                "int_code": wh.int_type_id.sequence_code,
                "bin_ids": bin_ids[wh.id],
            }
            for wh in warehouses
        ],
        "vendor_location_id": env.ref("stock.stock_location_suppliers").id,
        "customer_location_id": env.ref("stock.stock_location_customers").id,
        "inventory_location_id": product.with_company(company).property_stock_inventory.id,
    }


def create_history(env, size, master):
    cr = env.cr
    cr.execute("SET LOCAL session_replication_role = replica")  # no FK triggers while loading
    cr.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # one stream: setseed holds
    cr.execute("SET LOCAL work_mem = '256MB'")
    dropped = _drop_secondary_indexes(cr, ["stock_move", "stock_move_line", "stock_quant"])
    cr.execute("SELECT setseed(%s)", [SEED])
    for statement in _history_sql(size, master):
        cr.execute(statement)
    for _name, definition in dropped:
        cr.execute(definition)
    for table, column in [
        ("stock_lot", "id"),
        ("stock_picking", "id"),
        ("stock_move", "id"),
        ("stock_move_line", "id"),
        ("stock_quant", "id"),
    ]:
        cr.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" (SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}), false)"
        )
    cr.execute("SET LOCAL session_replication_role = origin")
    _set_inventory_dates(env)
    _set_prices(cr, master)
    env.invalidate_all()
    cr.execute("ANALYZE")


def _drop_secondary_indexes(cr, tables):
    cr.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [tables],
    )
    dropped = cr.fetchall()
    for name, _definition in dropped:
        cr.execute(f'DROP INDEX "{name}"')
    return dropped


def _history_sql(size, master):
    """The statements that write twelve months of history, in order."""
    company = master["company_id"]
    vendor_loc = master["vendor_location_id"]
    customer_loc = master["customer_location_id"]
    loss_loc = master["inventory_location_id"]
    wh_rows = ", ".join(
        f"({idx}, {wh['id']}, '{wh['code']}', {wh['stock_id']}, {wh['in_type_id']},"
        f" {wh['out_type_id']}, {wh['int_type_id']}, '{wh['in_code']}', '{wh['out_code']}',"
        f" '{wh['int_code']}')"
        for idx, wh in enumerate(master["warehouses"])
    )
    bin_rows = ", ".join(
        f"({idx}, {n}, {bin_id})"
        for idx, wh in enumerate(master["warehouses"])
        for n, bin_id in enumerate(wh["bin_ids"])
    )
    full_chains = size.moves // MOVES_PER_CYCLE * CHAINS_PER_CYCLE
    chains = full_chains + size.moves % MOVES_PER_CYCLE
    warehouses = len(master["warehouses"])
    vendors = "ARRAY[%s]" % ",".join(map(str, master["vendor_ids"]))
    customers = "ARRAY[%s]" % ",".join(map(str, master["customer_ids"]))
    n_vendors, n_customers = len(master["vendor_ids"]), len(master["customer_ids"])
    now = "date_trunc('hour', now() AT TIME ZONE 'UTC')"
    audit = f"1, 1, {now}, {now}"
    return [
        """CREATE TEMP TABLE bench_wh (idx int, id int, code text, stock_id int, in_type int,
            out_type int, int_type int, in_code text, out_code text, int_code text)
            ON COMMIT DROP""",
        f"INSERT INTO bench_wh VALUES {wh_rows}",
        "CREATE TEMP TABLE bench_bin (wh int, n int, id int) ON COMMIT DROP",
        f"INSERT INTO bench_bin VALUES {bin_rows}",
        """CREATE TEMP TABLE bench_nbin ON COMMIT DROP AS
            SELECT wh, count(*)::int AS n FROM bench_bin GROUP BY wh""",
        f"""CREATE TEMP TABLE bench_product ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY pt.default_code)::int AS rank,
                   pp.id AS product_id, pt.tracking, pt.uom_id
              FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pt.default_code LIKE '{PREFIX}%'""",
        "CREATE UNIQUE INDEX ON bench_product (rank)",
        # One row per chain. Pattern (chain - 1) % 20 decides its steps:
        #   0-13 receipt, delivery | 14-15 receipt, internal, delivery | 16 receipt (kept)
        #   17 receipt, internal (kept) | 18 adjustment in, delivery | 19 receipt, adjustment out
        # Chains past the last full cycle are receipts only, so the move count is exact.
        # Demand is Pareto-like: rank = N * u^7 puts ~80% of the chains on ~20% of products.
        f"""CREATE TEMP TABLE bench_chain ON COMMIT DROP AS
            SELECT g AS chain,
                   CASE WHEN g <= {full_chains} THEN ((g - 1) % 20)::int ELSE 16 END AS pattern,
                   LEAST({size.products}, 1 + floor({size.products} * power(random(), 7)))::int
                       AS rank,
                   CASE WHEN {warehouses} = 1 OR random() < 0.5 THEN 0
                        ELSE 1 + floor(random() * ({warehouses} - 1))::int END AS wh,
                   {now} - interval '365 days' + random() * interval '358 days' AS d1,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4
              FROM generate_series(1, {chains}) g""",
        f"""CREATE TEMP TABLE bench_flow ON COMMIT DROP AS
            SELECT c.chain, c.pattern, c.wh, p.product_id, p.tracking, p.uom_id,
                   CASE WHEN p.tracking = 'serial' THEN 1
                        ELSE 1 + floor(c.r1 * c.r1 * 48)::int END AS qty,
                   NULL::int AS lot_id,
                   home.id AS home_bin, alt.id AS alt_bin,
                   c.d1,
                   LEAST(c.d1 + (1 + c.r2 * 10) * interval '1 day', {now}) AS d2,
                   LEAST(c.d1 + (12 + c.r3 * 50) * interval '1 day', {now}) AS d3,
                   c.r4
              FROM bench_chain c
              JOIN bench_product p ON p.rank = c.rank
              JOIN bench_nbin nb ON nb.wh = c.wh
              JOIN bench_bin home ON home.wh = c.wh AND home.n = (p.product_id * 7919) % nb.n
              JOIN bench_bin alt ON alt.wh = c.wh
                   AND alt.n = (p.product_id * 7919 + 1 + c.chain % 5) % nb.n""",
        """UPDATE bench_flow SET lot_id = nextval('stock_lot_id_seq')
            WHERE tracking IN ('lot', 'serial')""",
        f"""INSERT INTO stock_lot (id, name, product_id, product_uom_id, company_id,
                                   create_uid, write_uid, create_date, write_date)
            SELECT lot_id, CASE WHEN tracking = 'serial' THEN 'SN' ELSE 'LOT' END
                           || lpad(chain::text, 8, '0'),
                   product_id, uom_id, {company}, {audit}
              FROM bench_flow WHERE lot_id IS NOT NULL""",
        # Steps: kind, move-level and line-level locations, date, quantity.
        f"""CREATE TEMP TABLE bench_step ON COMMIT DROP AS
            SELECT f.chain, 1 AS step, f.wh, f.product_id, f.uom_id, f.lot_id, f.qty,
                   CASE WHEN f.pattern = 18 THEN 'adj_in' ELSE 'in' END AS kind,
                   CASE WHEN f.pattern = 18 THEN {loss_loc} ELSE {vendor_loc} END AS move_src,
                   CASE WHEN f.pattern = 18 THEN f.home_bin ELSE w.stock_id END AS move_dst,
                   CASE WHEN f.pattern = 18 THEN {loss_loc} ELSE {vendor_loc} END AS line_src,
                   f.home_bin AS line_dst, f.d1 AS date
              FROM bench_flow f JOIN bench_wh w ON w.idx = f.wh
            UNION ALL
            SELECT f.chain, 2, f.wh, f.product_id, f.uom_id, f.lot_id, f.qty, 'int',
                   w.stock_id, w.stock_id, f.home_bin, f.alt_bin, f.d2
              FROM bench_flow f JOIN bench_wh w ON w.idx = f.wh
             WHERE f.pattern IN (14, 15, 17)
            UNION ALL
            SELECT f.chain, 3, f.wh, f.product_id, f.uom_id, f.lot_id,
                   CASE WHEN f.pattern = 19 THEN GREATEST(1, f.qty / 3) ELSE f.qty END,
                   CASE WHEN f.pattern = 19 THEN 'adj_out' ELSE 'out' END,
                   CASE WHEN f.pattern = 19 THEN f.home_bin ELSE w.stock_id END,
                   CASE WHEN f.pattern = 19 THEN {loss_loc} ELSE {customer_loc} END,
                   CASE WHEN f.pattern IN (14, 15) THEN f.alt_bin ELSE f.home_bin END,
                   CASE WHEN f.pattern = 19 THEN {loss_loc} ELSE {customer_loc} END,
                   f.d3
              FROM bench_flow f JOIN bench_wh w ON w.idx = f.wh
             WHERE f.pattern NOT IN (16, 17)""",
        # Pickings: one per warehouse, operation type and day.
        """CREATE TEMP TABLE bench_picking ON COMMIT DROP AS
            SELECT (SELECT COALESCE(MAX(id), 0) FROM stock_picking)
                   + row_number() OVER (ORDER BY day, wh, kind) AS id,
                   row_number() OVER (PARTITION BY wh, kind ORDER BY day) AS n,
                   wh, kind, day, min(date) AS first_date, max(date) AS last_date
              FROM (SELECT wh, kind, date_trunc('day', date) AS day, date FROM bench_step
                     WHERE kind IN ('in', 'out', 'int')) s
             GROUP BY wh, kind, day""",
        f"""INSERT INTO stock_picking (id, name, origin, location_id, location_dest_id,
                   picking_type_id, partner_id, company_id, move_type, state, priority,
                   printed, is_locked, has_deadline_issue, scheduled_date, date, date_done,
                   create_uid, write_uid, create_date, write_date)
            SELECT p.id,
                   w.code || '/' || CASE p.kind WHEN 'in' THEN w.in_code WHEN 'out' THEN w.out_code
                                     ELSE w.int_code END || '/H' || lpad(p.n::text, 5, '0'),
                   'bench history',
                   CASE p.kind WHEN 'in' THEN {vendor_loc} ELSE w.stock_id END,
                   CASE p.kind WHEN 'out' THEN {customer_loc} ELSE w.stock_id END,
                   CASE p.kind WHEN 'in' THEN w.in_type WHEN 'out' THEN w.out_type
                               ELSE w.int_type END,
                   CASE p.kind WHEN 'in' THEN ({vendors})[1 + p.id % {n_vendors}]
                               WHEN 'out' THEN ({customers})[1 + p.id % {n_customers}] END,
                   {company}, 'direct', 'done', '0', false, true, false,
                   p.first_date, p.first_date, p.last_date,
                   1, 1, p.first_date, p.last_date
              FROM bench_picking p JOIN bench_wh w ON w.idx = p.wh""",
        """CREATE TEMP TABLE bench_move ON COMMIT DROP AS
            SELECT (SELECT COALESCE(MAX(id), 0) FROM stock_move)
                   + row_number() OVER (ORDER BY s.date, s.chain, s.step) AS id,
                   s.*, p.id AS picking_id, pk.name AS picking_name, pk.picking_type_id
              FROM bench_step s
              LEFT JOIN bench_picking p
                ON p.wh = s.wh AND p.kind = s.kind AND p.day = date_trunc('day', s.date)
              LEFT JOIN stock_picking pk ON pk.id = p.id""",
        f"""INSERT INTO stock_move (id, name, sequence, company_id, product_id, product_uom,
                   location_id, location_dest_id, picking_id, picking_type_id, state, priority,
                   procure_method, reference, product_qty, product_uom_qty, quantity, picked,
                   scrapped, propagate_cancel, is_inventory, additional, date, price_unit,
                   create_uid, write_uid, create_date, write_date)
            SELECT m.id,
                   CASE WHEN m.kind IN ('adj_in', 'adj_out') THEN 'Product Quantity Updated'
                        ELSE pt.name->>'en_US' END,
                   10, {company}, m.product_id, m.uom_id, m.move_src, m.move_dst, m.picking_id,
                   m.picking_type_id, 'done', '0', 'make_to_stock',
                   COALESCE(m.picking_name, 'Product Quantity Updated'),
                   m.qty, m.qty, m.qty, true, false, false, m.kind IN ('adj_in', 'adj_out'),
                   false, m.date, 0, 1, 1, m.date, m.date
              FROM bench_move m
              JOIN product_product pp ON pp.id = m.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id""",
        f"""INSERT INTO stock_move_line (picking_id, move_id, company_id, product_id,
                   product_uom_id, lot_id, location_id, location_dest_id, state, reference,
                   quantity, quantity_product_uom, picked, date,
                   create_uid, write_uid, create_date, write_date)
            SELECT m.picking_id, m.id, {company}, m.product_id, m.uom_id, m.lot_id,
                   m.line_src, m.line_dst, 'done',
                   COALESCE(m.picking_name, 'Product Quantity Updated'),
                   m.qty, m.qty, true, m.date, 1, 1, m.date, m.date
              FROM bench_move m ORDER BY m.id""",
        # Quants: what Odoo's _update_available_quantity leaves behind, for every location
        # that is not a view (Odoo keeps vendor/customer/inventory quants too).
        """INSERT INTO stock_quant (product_id, company_id, location_id, lot_id, quantity,
                   reserved_quantity, inventory_diff_quantity, inventory_quantity_set, in_date,
                   create_uid, write_uid, create_date, write_date)
            SELECT x.product_id, l.company_id, x.location_id, x.lot_id, SUM(x.qty), 0,
                   -SUM(x.qty), false, MAX(x.date), 1, 1, MIN(x.date), MAX(x.date)
              FROM (SELECT product_id, line_dst AS location_id, lot_id, qty, date FROM bench_move
                    UNION ALL
                    SELECT product_id, line_src, lot_id, -qty, date FROM bench_move) x
              JOIN stock_location l ON l.id = x.location_id AND l.usage <> 'view'
             GROUP BY x.product_id, l.company_id, x.location_id, x.lot_id
            HAVING SUM(x.qty) <> 0""",
        # A lot's location is its one location holding it, as stock.lot computes it.
        """UPDATE stock_lot lot SET location_id = s.location_id
              FROM (SELECT q.lot_id, MIN(q.location_id) AS location_id FROM stock_quant q
                     WHERE q.lot_id IS NOT NULL AND q.quantity > 0
                     GROUP BY q.lot_id HAVING COUNT(DISTINCT q.location_id) = 1) s
             WHERE lot.id = s.lot_id""",
    ]


def _set_inventory_dates(env):
    """stock.quant.inventory_date as Odoo computes it: the location's next inventory date."""
    cr = env.cr
    cr.execute("SELECT DISTINCT location_id FROM stock_quant WHERE inventory_date IS NULL")
    locations = env["stock.location"].browse([row[0] for row in cr.fetchall()])
    for location in locations:
        date = location._get_next_inventory_date()
        if date:
            cr.execute(
                "UPDATE stock_quant SET inventory_date = %s"
                " WHERE location_id = %s AND inventory_date IS NULL",
                [date, location.id],
            )


def _set_prices(cr, master):
    """standard_price (company-dependent jsonb) and list price, log-normal and skewed: a few
    costly items, serial-tracked ones dearer, so value concentrates as in a real ABC spread."""
    company = str(master["company_id"])
    cr.execute(
        """CREATE TEMP TABLE bench_price ON COMMIT DROP AS
            SELECT pp.id, pp.product_tmpl_id,
                   round((exp(2.5 + 1.3 * sqrt(-2 * ln(1 - random()))
                          * cos(2 * pi() * random()))
                          * CASE WHEN pt.tracking = 'serial' THEN 20 ELSE 1 END)::numeric, 2)
                       AS cost
              FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pt.default_code LIKE %s""",
        [PREFIX + "%"],
    )
    cr.execute(
        """UPDATE product_product pp SET standard_price = jsonb_build_object(%s, b.cost)
              FROM bench_price b WHERE b.id = pp.id""",
        [company],
    )
    cr.execute(
        """UPDATE product_template pt SET list_price = round(b.cost * 1.4, 2)
              FROM bench_price b WHERE b.product_tmpl_id = pt.id"""
    )


# -- checking ---------------------------------------------------------------------------------


def check(env, size, say=print):
    """Prove the database is consistent, in SQL and through Odoo's own ORM; raise if not."""
    cr = env.cr
    facts = {}
    product_filter = f"""product_id IN (SELECT pp.id FROM product_product pp
        JOIN product_template pt ON pt.id = pp.product_tmpl_id
        WHERE pt.default_code LIKE '{PREFIX}%')"""
    cr.execute(
        f"""SELECT count(*) FILTER (WHERE state = 'done'),
                   count(*) FILTER (WHERE state = 'done' AND picking_type_id IS NOT NULL),
                   count(*) FILTER (WHERE is_inventory)
              FROM stock_move WHERE {product_filter}"""
    )
    moves, typed, inventory = cr.fetchone()
    cr.execute(
        f"""SELECT count(*), count(DISTINCT move_id) FROM stock_move_line
             WHERE state = 'done' AND {product_filter}"""
    )
    lines, lined_moves = cr.fetchone()
    cr.execute(
        f"SELECT count(*) FROM product_product WHERE {product_filter.replace('product_id', 'id')}"
    )
    products = cr.fetchone()[0]
    problems = []
    if products != size.products:
        problems.append(f"{products} products, expected {size.products}")
    if moves != size.moves:
        problems.append(f"{moves} done moves, expected {size.moves}")
    if lines != moves or lined_moves != moves:
        problems.append(f"{lines} done move lines on {lined_moves} moves for {moves} moves")
    cr.execute(
        f"""SELECT count(*) FROM stock_move m WHERE m.state = 'done' AND m.{product_filter}
              AND m.quantity <> (SELECT SUM(quantity) FROM stock_move_line l
                                  WHERE l.move_id = m.id)"""
    )
    if cr.fetchone()[0]:
        problems.append("moves whose quantity differs from their move lines")

    # 1. quants = done move lines in - out per (location, product, lot), internal locations.
    cr.execute(
        f"""WITH lines AS (
                SELECT location_dest_id AS location_id, product_id, lot_id, quantity AS qty
                  FROM stock_move_line WHERE state = 'done' AND {product_filter}
                UNION ALL
                SELECT location_id, product_id, lot_id, -quantity
                  FROM stock_move_line WHERE state = 'done' AND {product_filter}),
            booked AS (
                SELECT l.location_id, l.product_id, l.lot_id, SUM(l.qty) AS qty
                  FROM lines l JOIN stock_location loc ON loc.id = l.location_id
                 WHERE loc.usage = 'internal'
                 GROUP BY 1, 2, 3),
            quants AS (
                SELECT q.location_id, q.product_id, q.lot_id, SUM(q.quantity) AS qty,
                       COUNT(*) AS n
                  FROM stock_quant q JOIN stock_location loc ON loc.id = q.location_id
                 WHERE loc.usage = 'internal' AND q.{product_filter}
                 GROUP BY 1, 2, 3)
            SELECT count(*) FILTER (WHERE abs(COALESCE(b.qty, 0) - COALESCE(q.qty, 0)) > 1e-6),
                   count(*) FILTER (WHERE q.n > 1),
                   count(*) FILTER (WHERE COALESCE(q.qty, 0) < 0),
                   count(q.qty), COALESCE(SUM(q.qty), 0)
              FROM booked b FULL JOIN quants q
                ON q.location_id = b.location_id AND q.product_id = b.product_id
               AND q.lot_id IS NOT DISTINCT FROM b.lot_id"""
    )
    mismatched, duplicated, negative, quants, on_hand = cr.fetchone()
    if mismatched:
        problems.append(f"{mismatched} (location, product, lot) quants differ from move lines")
    if duplicated:
        problems.append(f"{duplicated} (location, product, lot) with several quants")
    if negative:
        problems.append(f"{negative} negative internal quants")
    facts.update(
        products=products,
        done_moves=moves,
        move_lines=lines,
        moves_with_operation_type=typed,
        inventory_moves=inventory,
        internal_quants=quants,
        on_hand_units=float(on_hand),
    )
    if problems:
        raise ConsistencyError("dataset is inconsistent:\n  " + "\n  ".join(problems))

    problems += _check_orm(env, product_filter)
    if problems:
        raise ConsistencyError("Odoo disagrees with the dataset:\n  " + "\n  ".join(problems))
    cr.execute("SELECT pg_database_size(current_database())")
    facts["database_bytes"] = cr.fetchone()[0]
    say(
        "consistency: {done_moves} done moves, {move_lines} move lines, {internal_quants}"
        " internal quants, {on_hand_units:.0f} units on hand: quants = move lines; the ORM"
        " agrees".format(**facts)
    )
    return facts


def _check_orm(env, product_filter):
    """Odoo's own reads and reports must give what SQL gives."""
    from odoo import fields

    cr = env.cr
    problems = []
    Product = env["product.product"]
    warehouses = env["stock.warehouse"].search([], order="id")
    # Sample: the busiest products, some tracked ones and a spread through the tail.
    cr.execute(
        f"""SELECT product_id FROM (
                SELECT product_id, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC,
                       product_id) AS r
                  FROM stock_move_line WHERE state = 'done' AND {product_filter}
                 GROUP BY product_id) s
             WHERE r <= 8 OR r % GREATEST(1, (SELECT count(*) FROM product_product) / 12) = 0
             ORDER BY r LIMIT 20"""
    )
    sample = Product.browse([row[0] for row in cr.fetchall()])
    cr.execute(
        f"""SELECT pp.id FROM product_product pp JOIN product_template pt
                ON pt.id = pp.product_tmpl_id
             WHERE pt.tracking <> 'none' AND pp.{product_filter.replace("product_id", "id")}
               AND EXISTS (SELECT 1 FROM stock_quant q WHERE q.product_id = pp.id)
             ORDER BY pp.id LIMIT 4"""
    )
    sample |= Product.browse([row[0] for row in cr.fetchall()])
    past = fields.Datetime.now() - timedelta(days=180)
    for wh in warehouses:
        stock = wh.lot_stock_id
        cr.execute(
            """SELECT l.product_id,
                      SUM(CASE WHEN d.parent_path LIKE %(path)s THEN l.quantity ELSE 0 END)
                    - SUM(CASE WHEN s.parent_path LIKE %(path)s THEN l.quantity ELSE 0 END),
                      SUM(CASE WHEN d.parent_path LIKE %(path)s AND l.date <= %(past)s
                               THEN l.quantity ELSE 0 END)
                    - SUM(CASE WHEN s.parent_path LIKE %(path)s AND l.date <= %(past)s
                               THEN l.quantity ELSE 0 END)
                 FROM stock_move_line l
                 JOIN stock_location s ON s.id = l.location_id
                 JOIN stock_location d ON d.id = l.location_dest_id
                WHERE l.state = 'done' AND l.product_id = ANY(%(ids)s)
                GROUP BY l.product_id""",
            {"path": stock.parent_path + "%", "past": past, "ids": sample.ids},
        )
        expected = {pid: (float(now), float(then)) for pid, now, then in cr.fetchall()}
        in_stock = sample.with_context(location=stock.id)
        for product in in_stock:
            now_sql, past_sql = expected.get(product.id, (0.0, 0.0))
            if abs(product.qty_available - now_sql) > 1e-6:
                problems.append(
                    f"{product.default_code} in {stock.complete_name}: qty_available "
                    f"{product.qty_available} but move lines say {now_sql}"
                )
        for product in sample.with_context(location=stock.id, to_date=past):
            now_sql, past_sql = expected.get(product.id, (0.0, 0.0))
            if abs(product.qty_available - past_sql) > 1e-6:
                problems.append(
                    f"{product.default_code} in {stock.complete_name} on {past:%Y-%m-%d}: "
                    f"qty_available {product.qty_available} but move lines say {past_sql}"
                )
    env.invalidate_all()

    # stock.quant reporting: totals per product over internal locations.
    bench = Product.search([("default_code", "=like", PREFIX + "%")])
    groups = env["stock.quant"]._read_group(
        [("product_id", "in", bench.ids), ("location_id.usage", "=", "internal")],
        ["product_id"],
        ["quantity:sum"],
    )
    orm_totals = {product.id: qty for product, qty in groups if qty}
    cr.execute(
        f"""SELECT product_id, SUM(qty) FROM (
                SELECT l.product_id, l.quantity AS qty FROM stock_move_line l
                  JOIN stock_location d ON d.id = l.location_dest_id
                 WHERE l.state = 'done' AND d.usage = 'internal' AND l.{product_filter}
                UNION ALL
                SELECT l.product_id, -l.quantity FROM stock_move_line l
                  JOIN stock_location s ON s.id = l.location_id
                 WHERE l.state = 'done' AND s.usage = 'internal' AND l.{product_filter}) x
             GROUP BY product_id HAVING SUM(qty) <> 0"""
    )
    sql_totals = {pid: float(qty) for pid, qty in cr.fetchall()}
    differing = [
        pid
        for pid in set(orm_totals) | set(sql_totals)
        if abs(orm_totals.get(pid, 0.0) - sql_totals.get(pid, 0.0)) > 1e-6
    ]
    if differing:
        problems.append(f"stock.quant._read_group differs from move lines for {len(differing)}")

    # stock.move reporting: done quantities per operation type.
    groups = env["stock.move"]._read_group(
        [("product_id", "in", bench.ids), ("state", "=", "done")],
        ["picking_type_id"],
        ["product_qty:sum", "__count"],
    )
    orm_moves = {ptype.id or None: (qty, count) for ptype, qty, count in groups}
    cr.execute(
        f"""SELECT picking_type_id, SUM(product_qty), count(*) FROM stock_move
             WHERE state = 'done' AND {product_filter} GROUP BY picking_type_id"""
    )
    sql_moves = {ptype: (float(qty), count) for ptype, qty, count in cr.fetchall()}
    if orm_moves != sql_moves:
        problems.append(f"stock.move._read_group {orm_moves} differs from SQL {sql_moves}")
    return problems


def pg_database_size(cluster, dbname):
    return int(cluster.psql(dbname, f"SELECT pg_database_size('{dbname}')"))


def human_bytes(count):
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"


def cache_dir():
    return Path(os.environ.get("STOCK_ACCURACY_WORK", harness_odoo.ROOT / ".work")) / "bench-cache"

"""./run bench [--products N --warehouses W --moves M --runs R --smoke --rebuild]

Restores the dataset from its cached dump (or builds, checks and dumps it first), proves it
consistent, runs every benchmark in bench/benchmarks/ and prints one table; the table also goes to
.work/bench-results.md (Markdown + JSON).
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from harness import odoo as harness_odoo
from harness.pg import Cluster, free_port

from . import generate
from .benchmarks import discover
from .runner import Context, format_markdown, format_table

WORK = Path(os.environ.get("STOCK_ACCURACY_WORK", harness_odoo.ROOT / ".work")).resolve()
SMOKE = generate.Size(products=200, warehouses=2, moves=5000)


def say(message):
    print(f"==> {message}", flush=True)


def parse(argv):
    parser = argparse.ArgumentParser(prog="./run bench", description=__doc__.split("\n\n")[1])
    default = generate.Size()
    parser.add_argument("--products", type=int, help=f"default {default.products}")
    parser.add_argument("--warehouses", type=int, help=f"default {default.warehouses}")
    parser.add_argument("--moves", type=int, help=f"done stock moves, default {default.moves}")
    parser.add_argument("--runs", type=int, help="runs per benchmark (median), default 5")
    parser.add_argument(
        "--smoke", action="store_true", help=f"tiny dataset ({SMOKE.label}), one run: what CI runs"
    )
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached dump")
    parser.add_argument(
        "--check-only", action="store_true", help="only run the consistency check on --dbname"
    )
    parser.add_argument("--only", help="comma-separated benchmark topics to run (default: all)")
    parser.add_argument("--dbname", default="bench", help="database to restore into")
    parser.add_argument("--cache-dir", type=Path, default=None, help="default .work/bench-cache")
    parser.add_argument("--results", type=Path, default=WORK / "bench-results.md")
    # Attach to a running cluster (the root tests' one) instead of starting a throwaway one.
    parser.add_argument("--pg-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pg-dir", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    # Start from a copy of this database (already holding the module) instead of installing.
    parser.add_argument("--template", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    base = SMOKE if options.smoke else default
    options.size = generate.Size(
        products=options.products or base.products,
        warehouses=options.warehouses or base.warehouses,
        moves=options.moves if options.moves is not None else base.moves,
    )
    options.runs = options.runs or (1 if options.smoke else 5)
    options.cache_dir = options.cache_dir or generate.cache_dir()
    return options


def main(argv=None):
    options = parse(argv if argv is not None else sys.argv[1:])
    WORK.mkdir(parents=True, exist_ok=True)
    if options.pg_port:
        cluster = Cluster(port=options.pg_port)
        cluster.dir = Path(options.pg_dir) if options.pg_dir else None
        return run(cluster, options.config, options)
    with Cluster(WORK) as cluster:
        config = harness_odoo.write_config(
            cluster,
            WORK / "bench-odoo.conf",
            http_port=free_port(),
            extra={"log_level": "warn", "logfile": "False"},
        )
        return run(cluster, config, options)


def run(cluster, config, options):
    size = options.size
    if options.check_only:
        return check_only(config, options.dbname, size)
    key = generate.cache_key(size, options.template)
    dump_path = options.cache_dir / f"{key}.dump"
    meta_path = options.cache_dir / f"{key}.json"
    log = WORK / "bench-odoo.log"
    built_now = False
    if options.rebuild or not dump_path.exists() or not meta_path.exists():
        say(f"building the dataset {size.label} (cache key {key})")
        try:
            facts = build_and_dump(
                cluster, config, size, dump_path, log, f"{options.dbname}_build", options.template
            )
        except generate.ConsistencyError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
        meta_path.write_text(json.dumps(facts, indent=2))
        built_now = True
    else:
        say(f"restoring the cached dataset {size.label} from {dump_path}")
    facts = json.loads(meta_path.read_text())
    started = time.time()
    generate.restore(cluster, dump_path, options.dbname)
    generate.load_filestore(config, options.dbname, dump_path.with_suffix(""))
    facts["restore_s"] = round(time.time() - started, 1)
    facts["built_now"] = built_now
    say(f"restored {options.dbname} in {facts['restore_s']} s")
    # The dump holds the module as it was when the dataset was built (the cache key follows
    # the manifest version, not every commit): upgrade it to the code being measured.
    started = time.time()
    say(f"upgrading {harness_odoo.MODULE} to the code being measured (log: {log})")
    harness_odoo.odoo_bin(
        config,
        "-d",
        options.dbname,
        "-u",
        harness_odoo.MODULE,
        "--stop-after-init",
        "--no-http",
        log=log,
    )
    facts["upgrade_s"] = round(time.time() - started, 1)

    registry = generate.open_registry(config, options.dbname)
    with registry.cursor() as cr:
        env = generate.superuser_env(cr)
        started = time.time()
        try:
            checked = generate.check(env, size, say=say)
        except generate.ConsistencyError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            dump_path.unlink(missing_ok=True)
            return 1
        # The generated database's size stays the one measured when it was built.
        checked["restored_database_bytes"] = checked.pop("database_bytes")
        facts.update(checked, check_s=round(time.time() - started, 1))
        cr.rollback()
        ctx = Context(env, size, options.runs, smoke=options.smoke, dataset=facts, say=say)
        only = set(filter(None, (options.only or "").split(",")))
        for module in discover():
            if only and module.__name__.rsplit(".", 1)[-1] not in only | {"dataset"}:
                continue
            say(f"benchmark {module.__name__.rsplit('.', 1)[-1]}")
            module.run(ctx)
            cr.rollback()
    header = (
        f"Benchmarks {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, dataset {size.label},"
        f" median of {options.runs} run(s), {os.cpu_count()} CPU(s)"
    )
    table = format_table(ctx.rows)
    print(f"\n{header}\n{table}\n", flush=True)
    options.results.parent.mkdir(parents=True, exist_ok=True)
    options.results.write_text(format_markdown(ctx.rows, f"# {header}"))
    options.results.with_suffix(".json").write_text(
        json.dumps(
            {"size": size.label, "runs": options.runs, "dataset": facts, "rows": rows_json(ctx)},
            indent=2,
            default=str,
        )
    )
    say(f"results written to {options.results}")
    return 0


def check_only(config, dbname, size):
    registry = generate.open_registry(config, dbname)
    with registry.cursor() as cr:
        try:
            generate.check(generate.superuser_env(cr), size, say=say)
        except generate.ConsistencyError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
    return 0


def rows_json(ctx):
    from .runner import _as_json

    return [_as_json(row) for row in ctx.rows]


def build_and_dump(cluster, config, size, dump_path, log, build_db, template=None):
    facts = generate.build(cluster, config, build_db, size, log, say=say, template=template)
    registry = generate.open_registry(config, build_db)
    with registry.cursor() as cr:
        facts.update(generate.check(generate.superuser_env(cr), size, say=say))
    close_database(build_db)
    say(f"dumping {build_db} to {dump_path}")
    started = time.time()
    generate.dump(cluster, build_db, dump_path)
    generate.save_filestore(config, build_db, dump_path.with_suffix(""))
    facts.update(
        dump_s=round(time.time() - started, 1),
        dump_bytes=dump_path.stat().st_size,
        built_at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        size=size.label,
    )
    cluster.dropdb(build_db)
    generate.drop_filestore(config, build_db)
    say(
        "dataset built in {build_s} s, database {db}".format(
            db=generate.human_bytes(facts["database_bytes"]), **facts
        )
    )
    return facts


def close_database(dbname):
    import odoo
    from odoo.modules.registry import Registry

    Registry.delete(dbname)
    odoo.sql_db.close_db(dbname)


if __name__ == "__main__":
    sys.exit(main())

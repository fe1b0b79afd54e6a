"""Building the dataset and restoring it from its cached dump (measured by the runner)."""

from bench.generate import human_bytes


def run(ctx):
    facts = ctx.dataset
    size = ctx.size.label
    db_size = human_bytes(facts["database_bytes"])
    if facts.get("built_now"):
        when = "built in this run"
    else:
        when = f"cached build of {facts.get('built_at', '?')}"
    ctx.record(
        "dataset: generate (install + ORM master data + SQL history)",
        facts["build_s"],
        size=size,
        target=None if ctx.smoke else 30 * 60,
        note=f"{when}; database {db_size}",
    )
    ctx.record(
        "dataset: restore (pg_restore -j2)",
        facts["restore_s"],
        size=size,
        target=None if ctx.smoke else 5 * 60,
        note=f"dump {human_bytes(facts['dump_bytes'])}, restored database"
        f" {human_bytes(facts['restored_database_bytes'])}",
    )
    ctx.record(
        "dataset: upgrade the module to the code measured (-u)",
        facts["upgrade_s"],
        size=size,
        note="the dump holds the module as it was when the dataset was built",
    )
    ctx.record(
        "dataset: consistency check (SQL + ORM)",
        facts["check_s"],
        size=size,
        note="{internal_quants} internal quants, {move_lines} move lines".format(**facts),
    )

"""Translations: export the module's terms with Odoo's own exporter and merge them into zh_CN.po.

./run i18n            rebuild i18n/stock_accuracy.pot and merge it into i18n/zh_CN.po
./run i18n --check    exit 1 when the .pot is stale or zh_CN.po misses a translation
./run i18n --fill F   also fill empty zh_CN entries from F, a JSON object {"English": "中文"}
"""

import tempfile
from pathlib import Path

import polib

from . import odoo

I18N = odoo.ROOT / odoo.MODULE / "i18n"
POT = I18N / f"{odoo.MODULE}.pot"
LANGS = ["zh_CN"]


def export_pot(cluster, config, dbname, target):
    odoo.odoo_bin(
        config,
        "-d",
        dbname,
        f"--i18n-export={target}",
        f"--modules={odoo.MODULE}",
        "--stop-after-init",
        "--no-http",
        log=Path(target).with_suffix(".log"),
    )
    return polib.pofile(str(target))


def entry_key(entry):
    return (entry.msgctxt or "", entry.msgid)


def problems(fresh_pot):
    """What is stale or missing, as human-readable lines (empty when all is well)."""
    found = []
    committed = polib.pofile(str(POT)) if POT.exists() else polib.POFile()
    fresh_keys = {entry_key(e) for e in fresh_pot}
    committed_keys = {entry_key(e) for e in committed}
    for key in sorted(fresh_keys - committed_keys):
        found.append(f"{POT.name}: missing term {key[1]!r}")
    for key in sorted(committed_keys - fresh_keys):
        found.append(f"{POT.name}: obsolete term {key[1]!r}")
    for lang in LANGS:
        path = I18N / f"{lang}.po"
        if not path.exists():
            found.append(f"{path.name}: missing")
            continue
        po = {entry_key(e): e for e in polib.pofile(str(path))}
        for key in sorted(fresh_keys):
            entry = po.get(key)
            if entry is None or not entry.msgstr.strip() or entry.fuzzy:
                found.append(f"{path.name}: no translation for {key[1]!r}")
    return found


def merge(fresh_pot):
    fresh_pot.metadata.update({"Project-Id-Version": "Odoo Server 18.0"})
    fresh_pot.save(str(POT))
    for lang in LANGS:
        path = I18N / f"{lang}.po"
        old = {entry_key(e): e for e in polib.pofile(str(path))} if path.exists() else {}
        po = polib.POFile(wrapwidth=78)
        po.metadata = {
            "Project-Id-Version": "Odoo Server 18.0",
            "Last-Translator": "",
            "Language-Team": "",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "",
            "Language": lang,
            "Plural-Forms": "nplurals=1; plural=0;",
        }
        for entry in fresh_pot:
            previous = old.get(entry_key(entry))
            entry.msgstr = previous.msgstr if previous else ""
            po.append(entry)
        po.save(str(path))


def fill(lang, translations):
    """Fill empty msgstr of LANG's .po from a {msgid: msgstr} mapping; returns what is still
    untranslated."""
    path = I18N / f"{lang}.po"
    po = polib.pofile(str(path), wrapwidth=78)
    missing = []
    for entry in po:
        if not entry.msgstr.strip():
            if entry.msgid in translations:
                entry.msgstr = translations[entry.msgid]
            else:
                missing.append(entry.msgid)
    po.save(str(path))
    return missing


def run(cluster, config, dbname, check=False):
    with tempfile.TemporaryDirectory() as tmp:
        fresh = export_pot(cluster, config, dbname, Path(tmp) / "fresh.pot")
    if check:
        return problems(fresh)
    merge(fresh)
    return problems(fresh)

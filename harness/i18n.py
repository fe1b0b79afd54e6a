"""Translations: export each module's terms with Odoo's own exporter and merge them into its
zh_CN.po.

./run i18n            rebuild <module>/i18n/<module>.pot and merge it into <module>/i18n/zh_CN.po
./run i18n --check    exit 1 when a .pot is stale or a zh_CN.po misses a translation
./run i18n --fill F   also fill empty zh_CN entries from F, a JSON object {"English": "中文"}

A term that moves from one module to another keeps its translation: the merge looks it up in
the module's own .po first, then in the other modules' .po files.
"""

import tempfile
from pathlib import Path

import polib

from . import odoo

LANGS = ["zh_CN"]


def translated_modules():
    """The modules with terms of their own (the suite module has none)."""
    return [name for name in odoo.MODULES if name != odoo.SUITE]


def i18n_dir(module):
    return odoo.ROOT / module / "i18n"


def pot_path(module):
    return i18n_dir(module) / f"{module}.pot"


def export_pot(cluster, config, dbname, target, module):
    odoo.odoo_bin(
        config,
        "-d",
        dbname,
        f"--i18n-export={target}",
        f"--modules={module}",
        "--stop-after-init",
        "--no-http",
        log=Path(target).with_suffix(".log"),
    )
    return polib.pofile(str(target))


def entry_key(entry):
    return (entry.msgctxt or "", entry.msgid)


def problems(fresh_pot, module):
    """What is stale or missing, as human-readable lines (empty when all is well)."""
    found = []
    POT, I18N = pot_path(module), i18n_dir(module)
    committed = polib.pofile(str(POT)) if POT.exists() else polib.POFile()
    fresh_keys = {entry_key(e) for e in fresh_pot}
    committed_keys = {entry_key(e) for e in committed}
    for key in sorted(fresh_keys - committed_keys):
        found.append(f"{module}/{POT.name}: missing term {key[1]!r}")
    for key in sorted(committed_keys - fresh_keys):
        found.append(f"{module}/{POT.name}: obsolete term {key[1]!r}")
    for lang in LANGS:
        path = I18N / f"{lang}.po"
        if not path.exists():
            found.append(f"{module}/{path.name}: missing")
            continue
        po = {entry_key(e): e for e in polib.pofile(str(path))}
        for key in sorted(fresh_keys):
            entry = po.get(key)
            if entry is None or not entry.msgstr.strip() or entry.fuzzy:
                found.append(f"{module}/{path.name}: no translation for {key[1]!r}")
    return found


def known_translations():
    """{lang: {key: entry}} of every module's .po, read before any is rewritten."""
    known = {}
    for lang in LANGS:
        for module in translated_modules():
            path = i18n_dir(module) / f"{lang}.po"
            if path.exists():
                for entry in polib.pofile(str(path)):
                    if entry.msgstr.strip() and not entry.obsolete:
                        known.setdefault(lang, {})[entry_key(entry)] = entry
    return known


def merge(fresh_pot, module, known=None):
    known = known or {}
    I18N = i18n_dir(module)
    I18N.mkdir(exist_ok=True)
    fresh_pot.metadata.update({"Project-Id-Version": "Odoo Server 18.0"})
    fresh_pot.save(str(pot_path(module)))
    for lang in LANGS:
        path = I18N / f"{lang}.po"
        old = dict(known.get(lang, {}))
        if path.exists():  # the module's own translations win
            old.update((entry_key(e), e) for e in polib.pofile(str(path)) if e.msgstr.strip())
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


def fill(lang, translations, module):
    """Fill empty msgstr of LANG's .po from a {msgid: msgstr} mapping; returns what is still
    untranslated."""
    path = i18n_dir(module) / f"{lang}.po"
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


def run(cluster, config, dbname, check=False, translations=None):
    """Export, (unless check) merge and fill every module's terms; what is stale or missing."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = {
            module: export_pot(cluster, config, dbname, Path(tmp) / f"{module}.pot", module)
            for module in translated_modules()
        }
    known = known_translations()
    for module, pot in fresh.items():
        if not check:
            merge(pot, module, known)
            if translations:
                for lang in LANGS:
                    fill(lang, translations, module)
        found += problems(pot, module)
    return found

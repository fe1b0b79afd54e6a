import pytest

from harness import i18n


@pytest.mark.parametrize("module", i18n.translated_modules())
def test_every_term_of_every_module_is_in_its_pot_and_translated(site, tmp_path, module):
    """Odoo's exporter run on the installed suite finds exactly the module's committed .pot, and
    every term of it has a zh_CN translation."""
    fresh = i18n.export_pot(site.cluster, site.config, site.template, tmp_path / "f.pot", module)
    assert len(fresh) > 0
    assert i18n.problems(fresh, module) == []

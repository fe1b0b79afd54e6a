"""Every user-facing term ships in the .pot and has a Simplified Chinese translation."""

from harness import i18n


def test_pot_is_current_and_zh_cn_is_complete(site, tmp_path):
    fresh = i18n.export_pot(site.cluster, site.config, site.template, tmp_path / "fresh.pot")
    assert len(fresh) > 50
    assert i18n.problems(fresh) == []

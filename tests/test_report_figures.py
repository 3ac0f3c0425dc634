"""Heatmap labels of the report's figures (reports/figures.py), without a browser."""

from __future__ import annotations

from reports.figures import method_label, short_isp_label
from reports.i18n import load_language


def test_short_isp_labels_cut_long_names_at_a_word_and_keep_the_as_number() -> None:
    long_name = "NEOCOMISP LIMITED, IPTX Transit and Network Service Provider in Cambodia."
    assert short_isp_label(long_name, 9902) == "NEOCOMISP… (AS9902)"
    assert short_isp_label("Viettel (Cambodia) / Metfone", 38623) == "Viettel… (AS38623)"
    assert short_isp_label("Cogetel (Online)", 23673) == "Cogetel (Online) (AS23673)"
    assert short_isp_label("Supercalifragilisticexpialidocious", 1) == "Supercalifragili… (AS1)"
    assert short_isp_label("  ", 7) == short_isp_label(None, 7) == "AS7"
    assert short_isp_label("Smart Axiata", 45498, two_lines=True) == "Smart Axiata<br>AS45498"


def test_method_labels_are_the_tables_words_in_each_language() -> None:
    en, km = load_language("en"), load_language("km")
    assert method_label(en, "dns.nxdomain") == en.text("method.dns.nxdomain") != "dns.nxdomain"
    assert method_label(km, "tls.reset") == km.text("method.tls.reset")
    assert method_label(en, "quic.whatever") == "quic.whatever"

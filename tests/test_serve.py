"""The dashboard's launcher keeps Streamlit from asking the internet for the machine's IP."""

from __future__ import annotations

from streamlit import net_util

from dashboard.serve import skip_external_ip_lookup


def test_no_external_ip_lookup(monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(net_util, "_external_ip", None)
    monkeypatch.setattr(net_util, "_make_blocking_http_get", lambda url, timeout: asked.append(url))
    skip_external_ip_lookup()
    assert not net_util.get_external_ip()
    assert asked == []


def test_without_the_launcher_streamlit_would_ask(monkeypatch):
    """The check above can fail: unpatched, Streamlit does call out."""
    asked: list[str] = []
    monkeypatch.setattr(net_util, "_external_ip", None)
    monkeypatch.setattr(net_util, "_make_blocking_http_get", lambda url, timeout: asked.append(url))
    net_util.get_external_ip()
    assert asked and all("amazonaws.com" in url for url in asked)

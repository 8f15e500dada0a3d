"""Links in the service's answers: a batch's per-report links equal `url_for`'s."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from service.links import url_for, url_maker


def _request(query: bytes, public_url: str = "") -> Request:
    settings = SimpleNamespace(public_url=public_url)
    app = SimpleNamespace(state=SimpleNamespace(settings=settings))
    scope = {
        "type": "http", "method": "POST", "scheme": "http", "server": ("10.0.0.5", 8601),
        "path": "/intake/hotline_12345/reports/batch", "root_path": "", "query_string": query,
        "headers": [(b"host", b"10.0.0.5:8601")], "app": app,
    }  # fmt: skip
    return Request(scope)


@pytest.mark.parametrize("query", [b"", b"api_key=k%2B1%20%2F%3D%26x", b"other=1"])
@pytest.mark.parametrize("public_url", ["", "https://map.example.cn/minqing/"])
def test_a_batchs_links_are_the_same_as_url_for(query, public_url):
    request = _request(query, public_url)
    url = url_maker(request)
    for path in ("/collections/incidents/items/42", "/intake/hotline_12345/changes"):
        assert url(path) == url_for(request, path)
    if b"api_key" in query:
        assert url("/x").endswith("?api_key=k%2B1+%2F%3D%26x")

"""The API description as OpenAPI 3.0 (OGC API – Features asks for 3.0), and its local viewer.

FastAPI writes OpenAPI 3.1 (JSON Schema 2020-12); the few constructs 3.0 lacks are rewritten:
`anyOf` with a null type becomes `nullable`, `examples` lists become one `example`, `const`
an enum of one. The viewer is Swagger UI from the `swagger-ui-bundle` package, served by the
service itself (no CDN) with its online validator off.
"""

from __future__ import annotations

from typing import Any

OPENAPI_VERSION = "3.0.3"

VIEWER = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{static}/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="{static}/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({{url: "{spec}", dom_id: "#ui", validatorUrl: null, deepLinking: true}});
</script></body></html>
"""


def to_openapi30(node: Any) -> Any:
    """A FastAPI (3.1) schema tree rewritten in OpenAPI 3.0 terms."""
    if isinstance(node, list):
        return [to_openapi30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_openapi30(value) for key, value in node.items()}
    if out.get("openapi", "").startswith("3.1"):
        out["openapi"] = OPENAPI_VERSION
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            del out[key]
            out["nullable"] = True
            if len(rest) == 1:
                out.update(rest[0])
            else:
                out[key] = rest
    if isinstance(out.get("examples"), list) and "paths" not in out:
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        out["nullable"] = len(types) < len(out["type"]) or out.get("nullable", False)
        out["type"] = types[0] if types else "string"
    return out


def viewer_page(title: str, static: str, spec: str) -> str:
    """The HTML page of the local Swagger UI for the spec at `spec`."""
    return VIEWER.format(title=title, static=static, spec=spec)

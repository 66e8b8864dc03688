"""OpenAPI schema additions that hold for every endpoint, applied once to the whole schema (drf-spectacular hook).

drf-spectacular documents what a view answers when all goes well; the error answers every endpoint shares are
added here rather than per view, so that the schema lists every status the API gives (schemathesis checks it:
tests/test_api_schemathesis.py):

* 400 the request is malformed, or a field or a rule across rows refuses it (reasons by field, in Chinese);
* 401 no or a wrong token; 403 the role may not do this here; 404 not found or outside the caller's scope (the
  two are not told apart); 429 too many requests (rate limits such as the ID-number lookup);
* 409 on DELETE: the row is still referenced elsewhere; 415 where a body is sent: a media type not accepted.

And an optional query parameter may be sent empty (`allowEmptyValue`): empty means "not filtered"; free text
in a query parameter may not contain NUL characters, which Django refuses.
"""

from __future__ import annotations

DETAIL = "EmisErrorDetail"
FIELD_ERRORS = "EmisFieldErrors"

COMPONENTS = {
    DETAIL: {
        "type": "object",
        "description": "An error with its reason in Chinese.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "type": "object",
        "description": "Reasons by field (or `non_field_errors`, or `detail` for a body that cannot be read).",
        "additionalProperties": {},
    },
}

COMMON = {
    "400": ("请求格式或字段内容有误。", FIELD_ERRORS),
    "401": ("未登录或令牌无效。", DETAIL),
    "403": ("当前角色无权执行此操作。", DETAIL),
    "404": ("不存在或不在管辖范围内。", DETAIL),
    "429": ("请求过于频繁。", DETAIL),
}
ON_DELETE = {"409": ("仍被其他数据引用，不能删除。", DETAIL)}
WITH_BODY = {"415": ("请求体的媒体类型不受支持或无法解析。", DETAIL)}
NO_NUL = "^[^\\x00]*$"
METHODS = ("get", "put", "post", "patch", "delete")


def add_error_responses(result, generator, request, public, **kwargs):
    """drf-spectacular postprocessing hook: the shared error responses on every operation that lacks them."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(COMPONENTS)
    for path_item in result.get("paths", {}).values():
        for method in METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            for parameter in operation.get("parameters", ()):
                # An empty query value is the same as leaving the filter out (the list pages send every field).
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
                    schema = parameter.get("schema", {})
                    if schema.get("type") == "string" and not ({"enum", "format", "pattern"} & set(schema)):
                        # Django refuses NUL characters in any text field.
                        schema["pattern"] = NO_NUL
            responses = operation.setdefault("responses", {})
            errors = {
                **COMMON,
                **(ON_DELETE if method == "delete" else {}),
                **(WITH_BODY if "requestBody" in operation else {}),
            }
            for status, (description, component) in errors.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
    return result

"""The OpenAPI document is valid 3.1, lists exactly the JSON routes, and the API keeps to it
under hundreds of generated requests."""
from __future__ import annotations

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection
from schemathesis.specs.openapi.definitions import OPENAPI_31

from ssexplain.web import create_app

MIN_GENERATED_REQUESTS = 500
JSON_ROUTE_PREFIXES = ("/api/", "/healthz", "/readyz", "/oembed")
# Generated requests per operation: (valid, invalid). Operations without inputs have no
# invalid requests, and few distinct valid ones.
EXAMPLES = {
    "POST /api/ask": (250, 150),
    "GET /api/passages/{passage_id}": (80, 60),
    "GET /oembed": (80, 60),
}
NO_INPUT_EXAMPLES = (5, 0)
# The one 5xx that is not a server error: oEmbed 1.0 asks for 501 for a format it lacks.
REQUIRED_5XX = {("GET /oembed", 501)}


@pytest.fixture()
def document(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def component_validator(document: dict, name: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.Draft202012Validator({"$ref": f"#/components/schemas/{name}", **document})


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    jsonschema_rs.Draft202012Validator(OPENAPI_31).validate(document)
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_document_lists_exactly_the_json_routes_the_app_serves(app, document):
    served = {
        (method.lower(), rule.rule.replace("<passage_id>", "{passage_id}"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(JSON_ROUTE_PREFIXES)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == served


def test_passage_ids_in_the_document_are_the_loaded_passages(engine, document):
    assert document["components"]["schemas"]["PassageId"]["enum"] == [p.id for p in engine.content.passages]


@pytest.mark.parametrize(
    "method, path, options, status, schema",
    [
        ("POST", "/api/ask", {"json": {"question": "what causes superficial siderosis?"}}, 200, "Reply"),
        ("POST", "/api/ask", {"json": {"question": "I have the worst headache of my life"}}, 200, "Reply"),
        ("POST", "/api/ask", {"json": {"question": "   "}}, 400, "Error"),
        ("POST", "/api/ask", {"data": "question=hi"}, 415, "Error"),
        ("POST", "/api/ask", {"json": {"question": "x" * 70_000}}, 413, "Error"),
        ("GET", "/api/passages", {}, 200, "PassageList"),
        ("GET", "/api/passages/nope", {}, 404, "Error"),
        ("GET", "/healthz", {}, 200, "Health"),
        ("GET", "/readyz", {}, 200, "Ready"),
    ],
)
def test_real_replies_match_their_documented_schema(client, document, method, path, options, status, schema):
    response = client.open(path, method=method, **options)
    assert response.status_code == status
    documented = document["paths"][path if "nope" not in path else "/api/passages/{passage_id}"][method.lower()]
    assert str(status) in documented["responses"]
    component_validator(document, schema).validate(response.get_json())


def test_urgent_replies_carry_the_urgent_message_and_others_do_not(client, document):
    validator = component_validator(document, "Reply")
    urgent = client.post("/api/ask", json={"question": "I have the worst headache of my life"}).get_json()
    assert urgent["status"] == "urgent"
    validator.validate(urgent)
    assert not validator.is_valid({**urgent, "urgent": None} | {"status": "answered"})


def test_while_warming_up_replies_match_the_document():
    client = create_app({"TESTING": True, "LOAD_ENGINE": False}).test_client()
    document = client.get("/api/openapi.json").get_json()
    for path, schema in [("/readyz", "Starting"), ("/api/passages", "Error")]:
        response = client.get(path)
        assert response.status_code == 503
        assert str(503) in document["paths"][path]["get"]["responses"]
        component_validator(document, schema).validate(response.get_json())


# ---------------------------------------------------------------- generated requests


def run_generated(schema, label: str, mode: GenerationMode, examples: int, sent: list[str]) -> None:
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call()
        sent.append(label)
        # The server reads the question after collapsing runs of spaces, which a JSON
        # schema cannot say, so a long question of mostly spaces is accepted though the
        # schema calls it too long; every other check runs on every reply.
        excluded = [negative_data_rejection]
        if (label, response.status_code) in REQUIRED_5XX:
            excluded.append(not_a_server_error)
        else:
            assert response.status_code < 500, case.as_curl_command()
        case.validate_response(response, excluded_checks=excluded)

    check()


@pytest.mark.slow
def test_generated_requests_get_no_server_error_and_match_the_document(engine):
    app = create_app({"TESTING": True, "ENGINE": engine})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    labels = [op.ok().label for op in schema.get_all_operations()]
    sent: list[str] = []
    for label in labels:
        valid, invalid = EXAMPLES.get(label, NO_INPUT_EXAMPLES)
        run_generated(schema, label, GenerationMode.POSITIVE, valid, sent)
        if invalid:
            run_generated(schema, label, GenerationMode.NEGATIVE, invalid, sent)
    assert len(sent) >= MIN_GENERATED_REQUESTS, {label: sent.count(label) for label in labels}
    assert sent.count("POST /api/ask") >= 300

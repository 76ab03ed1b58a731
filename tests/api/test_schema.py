"""The OpenAPI document: 3.1, served without a key, naming the API key scheme and the problem-details
error shape on every operation."""

import yaml


def test_the_schema_is_openapi_3_1_with_bearer_keys_and_problem_errors(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "http", "scheme": "bearer", "description": "An organization's API key, from the console."}
    operations = [operation for path in document["paths"].values() for operation in path.values()]
    assert len(operations) >= 30
    for operation in operations:
        assert operation["security"] == [{"apiKey": []}]
        for status in ("400", "401", "403", "404", "429"):
            content = operation["responses"][status]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert all(not path.endswith(("schema/", "docs/")) for path in document["paths"])

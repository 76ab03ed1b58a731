import logging


def test_each_request_gets_an_id_in_the_header_and_one_log_line(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="requests"):
        response = client.get("/console/login/?next=/console/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [record] = [r for r in caplog.records if r.name == "requests"]
    assert record.status == 200 and record.path == "/console/login/"
    assert record.request_id == request_id
    assert "next" not in record.getMessage()


def test_a_well_formed_incoming_request_id_is_kept(client, db):
    response = client.get("/console/login/", HTTP_X_REQUEST_ID="lb-1234abcd")
    assert response["X-Request-ID"] == "lb-1234abcd"


def test_a_malformed_incoming_request_id_is_replaced(client, db):
    response = client.get("/console/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"

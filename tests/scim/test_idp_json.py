"""phoneNumbers and addresses are read as json.loads reads them, without json.loads (scim.models.IdPJSONField)."""

import json

import pytest
from django.db.models.fields import json as django_json

from scim.models import IdPJSONField, ScimUser
from tenants.scoping import org_scope
from tests.scim.conftest import body_of, user_body


class _JsonLoadsRecorder:
    """Django's JSONField's json module, recording what json.loads reads."""

    JSONDecodeError = json.JSONDecodeError

    def __init__(self):
        self.read = []

    def loads(self, text, **kwargs):
        self.read.append(text)
        return json.loads(text, **kwargs)


def test_a_page_of_users_reads_phone_numbers_and_addresses_without_json_loads(scim, monkeypatch):
    phones = [{"value": "+1 555 0100", "type": "work", "primary": True}]
    addresses = [{"locality": "Zürich", "country": "CH", "type": "work"}]
    scim.post("/Users", user_body("ada@example.com", phoneNumbers=phones, addresses=addresses))
    recorder = _JsonLoadsRecorder()
    monkeypatch.setattr(django_json, "json", recorder)
    [resource] = body_of(scim.get("/Users"))["Resources"]
    assert resource["phoneNumbers"] == phones
    assert resource["addresses"] == addresses
    assert not [text for text in recorder.read if "555" in text or "Zürich" in text]
    assert recorder.read  # (the recorder is where JSONField reads: the token's scopes went through it)


@pytest.mark.parametrize("stored", [[{"value": 2**70}], [{"value": -(2**63) - 1}], [{"value": 0.1}], []])
def test_numbers_are_read_back_exactly(scim_org, stored):
    # (what the console or an old row may hold: SCIM itself stores strings and booleans here)
    with org_scope(scim_org):
        user = ScimUser.objects.create(org=scim_org, user_name="n@example.com", phone_numbers=stored)
        assert ScimUser.objects.get(pk=user.pk).phone_numbers == stored


@pytest.mark.parametrize(("text", "read"), [("[1] ", [1]), (" [1]", [1]), ("not json", "not json"),
                                            ('["a", NaN]', ["a", float("nan")]), ('[{"a": "\\u00e9"}]', [{"a": "é"}])])
def test_any_text_reads_as_jsonfield_reads_it(text, read):
    # (the first three are not taken whole by the scanner: JSONField reads them)
    field = IdPJSONField()
    assert repr(field.from_db_value(text, None, None)) == repr(read)
    assert repr(field.from_db_value(text, None, None)) == repr(django_json.JSONField().from_db_value(text, None, None))

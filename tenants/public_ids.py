"""Public identifiers: a two-letter type prefix and 32 hex digits (OR..., US..., OQ...).

They are what URLs, APIs and IdPs see; database primary keys never leave the process.
"""

import secrets

from django.db import models


def new_public_id(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


class PublicIdField(models.CharField):
    def __init__(self, *args, prefix: str = "", **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 34)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if add and not value:
            value = new_public_id(self.prefix)
            setattr(model_instance, self.attname, value)
        return value

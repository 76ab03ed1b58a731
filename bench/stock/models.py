"""A user and a group shaped like ours (scim.models): userName, externalId, name parts, active, one
e-mail, groups with members, on django-scim2's abstract SCIM mixins."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin


class Group(AbstractSCIMGroupMixin):
    name = models.CharField(max_length=254)
    created = models.DateTimeField(default=timezone.now)
    last_modified = models.DateTimeField(auto_now=True)


class User(AbstractSCIMUserMixin, AbstractBaseUser):
    # The field names django_scim.adapters.SCIMUser reads (meta's are bench.stock.adapters').
    username = models.CharField(max_length=254, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)
    last_modified = models.DateTimeField(auto_now=True)
    # SCIMUser lists scim_groups; SCIMGroup lists and changes members through user_set.
    scim_groups = models.ManyToManyField(Group, related_name="user_set", blank=True)

    USERNAME_FIELD = "username"

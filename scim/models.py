"""The SCIM directory: users an IdP provisions into one org, and the log of every SCIM request.

A ScimUser is not an accounts.User: it is the org's directory entry that Okta or Entra owns. The one
link to accounts.User is by e-mail, for deactivation (scim.services.users).
A Group's members are rows of GroupMembership pointing at ScimUser; SCIM addresses them by
ScimUser.public_id, never by pk. Membership writes are set operations (scim.services.memberships).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import orjson
from django.contrib.postgres.indexes import OpClass
from django.db import IntegrityError, connections, models
from django.db.models import F, Func, OuterRef, Subquery, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from tenants.errors import Conflict, NotFound, PreconditionFailed
from tenants.models import Organization, TenantModel
from tenants.prepared_queries import PreparedInsert, PreparedQuery, PreparedUpdate, insert_columns_and_values
from tenants.public_ids import PublicIdField
from tenants.scoping import TenantManager


def etag_matches(header: str, etag: str) -> bool:
    """Whether an If-Match / If-None-Match header (a list of tags, or *) names this weak ETag."""
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


@dataclass(frozen=True)
class UniqueConflicts:
    """The Conflict a write answers when it breaks one of its table's unique constraints, by the
    constraint's name. The constraint is the check: no SELECT beforehand, and no race between the
    two. PostgreSQL names the constraint; SQLite (the demo's) does not, and gets `otherwise`."""

    by_constraint: dict[str, str]
    otherwise: str

    def of(self, error: IntegrityError) -> Conflict:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        return Conflict(self.by_constraint.get(constraint, self.otherwise))


class VersionedQuerySet(models.QuerySet):
    """Rows whose `version` every write raises by exactly one (meta.version, If-Match, RFC 7644 §3.14).

    A write locks its row with a LockingRead inside its transaction and then changes it only with
    write_next_version, so the version seen under the lock is the one the write replaces.
    """

    def write_next_version(self, row, changes: dict, conflicts: UniqueConflicts) -> None:
        """One UPDATE of the locked `row`: the changed columns, version + 1, last_modified; the instance
        follows. A unique constraint the UPDATE breaks (another row holds the name) is the Conflict
        `conflicts` names for it."""
        now = timezone.now()
        try:
            _next_version_update(self.model, tuple(changes)).update(pk=row.pk, **changes, last_modified=now)
        except IntegrityError as error:
            raise conflicts.of(error) from None
        for name, value in changes.items():
            setattr(row, name, value)
        row.version += 1  # exact: the row is locked, so nobody else raised it meanwhile
        row.last_modified = now

    def insert_new(self, row, conflicts: UniqueConflicts) -> None:
        """INSERT `row`; a unique constraint it breaks (another row holds the name, committed or being
        committed) is the Conflict `conflicts` names for it. The failed INSERT leaves the transaction
        to be rolled back (no savepoint: the caller's write is over, and its error leaves the block)."""
        try:
            _prepared_insert(self.model).insert(row, self.db)
        except IntegrityError as error:
            raise conflicts.of(error) from None


@lru_cache(maxsize=256)
def _next_version_update(model, fields: tuple[str, ...]) -> PreparedUpdate:
    """write_next_version's UPDATE for a write that changes `fields`, compiled once (issue 14: compiling it
    took ~0.2 ms of each PATCH). An IdP changes a handful of combinations of fields; the cache stays small."""
    return PreparedUpdate(lambda pk: model.objects.filter(Exact(F("pk"), Value(pk))), fields=[*fields, "last_modified"],
                          expressions={"version": F("version") + 1})


class LockingRead:
    """How a write starts: its row by public id, locked until the transaction ends, then If-Match checked
    under that lock. The SELECT ... FOR UPDATE is compiled once per process (issue 14: a PATCH spent
    longer compiling it than PostgreSQL took to answer it). `rows()`: the queryset the row is read from
    (its annotations come along); `no_key`: FOR NO KEY UPDATE."""

    def __init__(self, rows: Callable[[], models.QuerySet], noun: str, *, no_key: bool = False):
        self.noun = noun
        self._read = PreparedQuery(
            lambda public_id: rows().select_for_update(no_key=no_key).filter(public_id=public_id)[:1])

    def __call__(self, public_id: str, if_match: str | None):
        row = self._read.first(public_id=public_id)
        if row is None:
            # The same words for another org's id and one that never existed (invariant 1).
            raise NotFound(f"Resource {public_id} not found.")
        if if_match and not etag_matches(if_match, row.etag):
            raise PreconditionFailed(f"The {self.noun} changed since you read it (If-Match does not match meta.version).")
        return row


# A create's INSERT, per model (users, groups): compiled on first use, not at every create.
_CREATE_INSERTS: dict[type, PreparedInsert] = {}


def _prepared_insert(model) -> PreparedInsert:
    if model not in _CREATE_INSERTS:
        _CREATE_INSERTS[model] = PreparedInsert(model)
    return _CREATE_INSERTS[model]


class _JSONText(models.TextField):
    """JSON the database writes as text, read by orjson: JSONField's json.loads cost ~1.5 us a value through
    Django's converters, twice for each user of a page (issue 14). Read-only: for annotations of our own
    columns (ids, strings, booleans), never for an IdP's JSON: orjson reads an integer beyond 64 bits as a
    float."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else orjson.loads(value)


# json.loads's own scanner (C), without the Python around it: a user's phoneNumbers in 0.4 us instead of 1.4.
_SCAN_JSON = json.JSONDecoder().scan_once


class IdPJSONField(models.JSONField):
    """JSON an IdP sent (phoneNumbers, addresses), read exactly as json.loads reads it, in a third of the
    time: twice for each user of a page (issue 14). Not orjson, which reads an integer beyond 64 bits as a
    float. What the scanner does not take whole (not JSON, or a trailing space) goes to JSONField."""

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str) and self.decoder is None:
            try:
                decoded, end = _SCAN_JSON(value, 0)
            except (StopIteration, ValueError):
                pass
            else:
                if end == len(value):
                    return decoded
        return super().from_db_value(value, expression, connection)


class JSONItem(Func):
    """A row's columns as one JSON array. On PostgreSQL json_build_array: json, not jsonb, since the array is
    only ever written out as text, and jsonb would first build its binary form."""

    function = "JSON_ARRAY"
    output_field = _JSONText()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_BUILD_ARRAY", **extra_context)


class JSONRows(Subquery):
    """The rows of a subquery with one column, `item` (a JSONItem), as one JSON array, in no particular order."""

    template = "(SELECT COALESCE(JSON_AGG(_rows.item), '[]')::text FROM (%(subquery)s) _rows)"
    output_field = _JSONText()

    def as_sqlite(self, compiler, connection, **extra):  # the demo database
        template = "(SELECT COALESCE(JSON_GROUP_ARRAY(JSON(_rows.item)), '[]') FROM (%(subquery)s) _rows)"
        return self.as_sql(compiler, connection, template=template, **extra)


class ScimUserQuerySet(VersionedQuerySet):
    def insert_new_with_emails(self, user, emails: list, conflicts: UniqueConflicts) -> None:
        """INSERT `user` and its `emails` (ScimUserEmail rows naming it) as insert_new would, in one
        statement on PostgreSQL: the user's INSERT is a WITH clause whose new id the e-mails' VALUES
        read, so a create is one round trip, not two (issue 14). Rows come back with their pks."""
        connection = connections[self.db]
        if not emails or connection.vendor != "postgresql":
            self.insert_new(user, conflicts)
            for email in emails:
                email.user = user
            ScimUserEmail.objects.bulk_create(emails)
            return
        user_sql, params = _prepared_insert(ScimUser).statement(user, self.db)
        rows = []
        for email in emails:
            columns, values, email_params = insert_columns_and_values(
                email, connection, computed={"user_id": "(SELECT id FROM new_user)"})
            rows.append(f"({', '.join(values)})")
            params += email_params
        quote = connection.ops.quote_name
        sql = (f"WITH new_user AS ({user_sql}) INSERT INTO {quote(ScimUserEmail._meta.db_table)} ({columns}) "
               f"VALUES {', '.join(rows)} RETURNING (SELECT id FROM new_user), {quote(ScimUserEmail._meta.pk.column)}")
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                returned = cursor.fetchall()  # in VALUES order, as bulk_create relies on too
        except IntegrityError as error:
            raise conflicts.of(error) from None
        user.pk = returned[0][0]
        user._state.adding, user._state.db = False, self.db
        for email, (_user_id, email_id) in zip(emails, returned):
            email.pk, email.user = email_id, user
            email._state.adding, email._state.db = False, self.db

    def with_emails_and_groups(self):
        """Users with their e-mails and groups read in the same SELECT, as JSON arrays (a page of 100, or
        one user, is one query, not three): `email_rows` [id, value, display, type, primary] and
        `group_rows` [display name, membership id, group id]. Unsorted (a sort per user for nothing):
        ScimUser.email_list / group_list order them."""
        emails = (ScimUserEmail.objects.filter(user=OuterRef("pk"), org_id=OuterRef("org_id")).order_by()
                  .values(item=JSONItem("id", "value", "display", "type", "primary")))
        groups = (GroupMembership.objects.filter(user=OuterRef("pk"), org_id=OuterRef("org_id")).order_by()
                  .values(item=JSONItem("group__display_name", "id", "group__public_id")))
        return self.annotate(email_rows=JSONRows(emails), group_rows=JSONRows(groups))


class ScimUser(TenantModel):
    # Every index of this table leads with org_id, so the foreign key's own index would only cost each
    # INSERT, and tempt the planner away from the index a filter needs (the prefix index for `sw`).
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    public_id = PublicIdField(prefix="US")
    external_id = models.CharField(max_length=255, null=True, blank=True)
    user_name = models.CharField(max_length=255)
    name_formatted = models.CharField(max_length=255, blank=True, default="")
    family_name = models.CharField(max_length=255, blank=True, default="")
    given_name = models.CharField(max_length=255, blank=True, default="")
    middle_name = models.CharField(max_length=255, blank=True, default="")
    honorific_prefix = models.CharField(max_length=64, blank=True, default="")
    honorific_suffix = models.CharField(max_length=64, blank=True, default="")
    display_name = models.CharField(max_length=255, blank=True, default="")
    nick_name = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    user_type = models.CharField(max_length=64, blank=True, default="")
    preferred_language = models.CharField(max_length=64, blank=True, default="")
    locale = models.CharField(max_length=64, blank=True, default="")
    timezone = models.CharField(max_length=64, blank=True, default="")
    # None only after a PATCH removed it (RFC 7644 §3.5.2.2); only False means deactivated.
    active = models.BooleanField(null=True, default=True)
    # Neither is filterable: a filter on them is 400 invalidFilter, so JSON keeps them simple.
    phone_numbers = IdPJSONField(default=list, blank=True)
    addresses = IdPJSONField(default=list, blank=True)
    # Enterprise extension (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User).
    employee_number = models.CharField(max_length=255, blank=True, default="")
    cost_center = models.CharField(max_length=255, blank=True, default="")
    organization = models.CharField(max_length=255, blank=True, default="")
    division = models.CharField(max_length=255, blank=True, default="")
    department = models.CharField(max_length=255, blank=True, default="")
    manager_id = models.CharField(max_length=255, blank=True, default="")
    manager_display_name = models.CharField(max_length=255, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(auto_now=True)
    # Raised by exactly one on every write, by an UPDATE ... SET version = version + 1 under the row
    # lock the write took (scim.services.users); meta.version is W/"<version>".
    version = models.PositiveIntegerField(default=1)

    objects = TenantManager.from_queryset(ScimUserQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint("org", Lower("user_name"), name="scim_user_org_username_ci_unique"),
            models.UniqueConstraint(
                fields=["org", "external_id"], condition=models.Q(external_id__isnull=False),
                name="scim_user_org_external_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "id"], name="scim_user_org_id"),
            models.Index(fields=["org", "last_modified"], name="scim_user_org_modified"),
            # userName sw "...": lower(user_name) LIKE 'prefix%' in any collation (PostgreSQL only; 0005), from
            # the index alone: the LIKE's recheck reads user_name, a page's sort id (0011).
            models.Index("org", OpClass(Lower("user_name"), name="text_pattern_ops"),
                         name="scim_user_org_username_prefix", include=["user_name", "id"]),
        ]
        ordering = ["id"]
        verbose_name = "SCIM user"

    def __str__(self):
        return self.user_name

    @property
    def shown_name(self) -> str:
        """One name for a person everywhere in the console: displayName, else name.formatted, else
        given + family name, else the userName."""
        joined = " ".join(part for part in (self.given_name, self.middle_name, self.family_name) if part)
        return self.display_name or self.name_formatted or joined or self.user_name

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'

    def email_list(self) -> list[dict]:
        """The e-mails, in the order they were stored: from with_emails_and_groups() when it was used."""
        if not hasattr(self, "email_rows"):
            return [{"value": e.value, "display": e.display, "type": e.type, "primary": e.primary}
                    for e in self.emails.all()]
        # bool(): SQLite's JSON has no booleans, so the demo's rows hold 0 and 1.
        return [{"value": value, "display": display, "type": kind, "primary": bool(primary)}
                for _id, value, display, kind, primary in sorted(self.email_rows)]

    def group_list(self) -> list[tuple[str, str]]:
        """(group id, display name) of the user's groups, by name."""
        if not hasattr(self, "group_rows"):
            memberships = self.group_memberships.select_related("group").order_by("group__display_name", "id")
            return [(m.group.public_id, m.group.display_name) for m in memberships]
        return [(public_id, name) for name, _id, public_id in sorted(self.group_rows)]


# Users are counted per bucket of 2**13 consecutive ids (UserCount.id_bucket): about the width where reading
# an org's buckets and walking one bucket's ids cost the same at a million users. Migration 0010 holds it too.
USER_ID_BUCKET_BITS = 13


class UserCount(TenantModel):
    """How many users an org has in each bucket of ids: the sum of its rows' deltas, appended by triggers
    on every INSERT and DELETE of scim_scimuser (migrations 0007, 0010), whatever wrote them. A list's
    totalResults reads a few rows instead of counting 200,000 (issue 14), no single counter row serialises
    an org's creates, and a page deep in id order starts from the bucket that holds it: the sums of the
    buckets before it say how many users precede it. scim.services.users.user_count_compact folds an
    org's deltas into one row per bucket now and then."""

    # No foreign key: the triggers still append while a deleted org's users go; compaction drops those.
    org = models.ForeignKey("tenants.Organization", on_delete=models.DO_NOTHING, db_constraint=False,
                            related_name="+")
    id_bucket = models.BigIntegerField()  # the users' id >> USER_ID_BUCKET_BITS
    delta = models.BigIntegerField()


class ScimUserEmail(TenantModel):
    user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="emails")
    value = models.CharField(max_length=254)
    type = models.CharField(max_length=32, blank=True, default="")
    primary = models.BooleanField(default=False)
    display = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        indexes = [models.Index("org", Lower("value"), name="scim_email_org_value_ci")]
        ordering = ["id"]

    def __str__(self):
        return self.value


class Group(TenantModel):
    public_id = PublicIdField(prefix="GR")
    external_id = models.CharField(max_length=255, null=True, blank=True)
    display_name = models.CharField(max_length=255)
    created = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(auto_now=True)
    # Raised by exactly one on every write, member writes included, under the row lock that serialises
    # concurrent writers of one group (scim.services.groups): meta.version is W/"<version>".
    version = models.PositiveIntegerField(default=1)
    members = models.ManyToManyField(ScimUser, through="GroupMembership", related_name="scim_groups")

    objects = TenantManager.from_queryset(VersionedQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint("org", Lower("display_name"), name="scim_group_org_name_ci_unique"),
            models.UniqueConstraint(
                fields=["org", "external_id"], condition=models.Q(external_id__isnull=False),
                name="scim_group_org_external_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["org", "id"], name="scim_group_org_id")]
        ordering = ["id"]
        verbose_name = "SCIM group"

    def __str__(self):
        return self.display_name

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


class GroupMembership(TenantModel):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="group_memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "group", "user"], name="scim_membership_org_group_user_unique"),
        ]
        # A user's groups (the User resource's read-only `groups`, deleting a user).
        indexes = [models.Index(fields=["org", "user"], name="scim_membership_org_user")]
        ordering = ["id"]


class ProvisioningEvent(TenantModel):
    """One SCIM request, as the org's admins see it in the provisioning log (never a secret)."""

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    credential_name = models.CharField(max_length=200, blank=True, default="")
    status = models.PositiveSmallIntegerField()
    scim_type = models.CharField(max_length=32, blank=True, default="")
    # The error body's detail (why a request failed), as the IdP was told it.
    detail = models.CharField(max_length=500, blank=True, default="")
    # The IdP recognised from the request (scim.idps): okta, entra or other.
    idp = models.CharField(max_length=16, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    user_public_id = models.CharField(max_length=34, blank=True, default="")
    group_public_id = models.CharField(max_length=34, blank=True, default="")
    request_body = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["org", "-created"], name="scim_event_org_created"),
            models.Index(fields=["org", "status"], name="scim_event_org_status"),
            # A user's provisioning history on the console's user page.
            models.Index(fields=["org", "user_public_id", "-created"], name="scim_event_org_user"),
        ]
        ordering = ["-created"]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"

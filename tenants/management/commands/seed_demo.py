"""Create (idempotently) the demo org "Acme" and its owner, and print how to sign in."""

import json
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from oauthapps.demo import seed_demo_credentials
from tenants import invitations, selectors, services
from tenants.audit import Actor
from tenants.models import Domain, Membership, Organization

DEMO_ORG_NAME = "Acme"
DEMO_OWNER_EMAIL = "demo@acme.example"
DEMO_DOMAIN = "acme.example"
SEED = Actor.system("seed_demo")


class Command(BaseCommand):
    help = (
        "Create the demo org Acme with owner demo@acme.example, two OAuth apps and a SCIM token, and print "
        "how to use them. Safe to run again: nothing is duplicated; the owner's password and every secret "
        "are replaced, and the new ones printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object of everything created.")

    @transaction.atomic
    def handle(self, *args, **options):
        password = secrets.token_urlsafe(12)
        owner, _ = User.objects.get_or_create(email=DEMO_OWNER_EMAIL, defaults={"display_name": "Demo Owner"})
        owner.set_password(password)
        owner.save()

        org = Organization.objects.filter(name=DEMO_ORG_NAME).order_by("pk").first()
        if org is None:
            org = services.organization_create(name=DEMO_ORG_NAME, owner=owner, actor=SEED)
        else:
            self._keep_owner(org, owner)

        domain = self._demo_domain(org)

        console_url = settings.PUBLIC_BASE_URL + reverse("console:index")
        result = {
            "organization": {"id": org.public_id, "name": org.name},
            "owner": {"email": owner.email, "password": password},
            "console_url": console_url,
            "domains": [{"name": domain.name, "status": domain.status}],
            "oauth": seed_demo_credentials(org=org, actor=Actor.system("seed_demo")),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(self._for_people(result))

    @staticmethod
    def _for_people(result: dict) -> str:
        """Everything a newcomer needs, once: the secrets are stored hashed and a new run replaces them."""
        oauth = result["oauth"]
        entra, okta, token = oauth["client_credentials_app"], oauth["authorization_code_app"], oauth["scim_token"]
        console = result["console_url"]
        return (
            f"Demo org {result['organization']['name']} ({result['organization']['id']}) is ready.\n\n"
            f"Sign in to the console: {console}\n"
            f"  e-mail:   {result['owner']['email']}\n"
            f"  password: {result['owner']['password']}\n\n"
            "For an identity provider (secrets are shown only now; running the seed again replaces them and the password):\n"
            f"  SCIM base URL:   {oauth['scim_base_url']}\n"
            f"  SCIM token ({token['name']}, Okta \"HTTP Header\"):\n    {token['token']}\n"
            f"  {entra['name']}, for Microsoft Entra ID:\n"
            f"    client ID:     {entra['client_id']}\n    client secret: {entra['client_secret']}\n"
            f"    token URL:     {oauth['token_url']}\n"
            f"  {okta['name']}, for Okta OAuth 2:\n"
            f"    client ID:     {okta['client_id']}\n    client secret: {okta['client_secret']}\n"
            f"    authorize URL: {oauth['authorize_url']}\n    redirect URI:  {okta['redirect_uri']}\n\n"
            f"Try it: curl -H \"Authorization: Bearer {token['token']}\" {oauth['scim_base_url']}/Users\n"
            f"Next: the setup guides at {console}guides/ walk you through Okta and Entra ID.\n"
        )

    def _keep_owner(self, org: Organization, owner: User) -> None:
        """A second run finds the demo owner in the org and makes sure they are still an owner."""
        membership = selectors.memberships_of_user(user=owner, include_suspended=True).filter(org=org).first()
        if membership is None:
            # Joining takes the person's acceptance, even in the demo: invite, then accept as them.
            invitation = invitations.invitation_create(
                org=org, actor=SEED, email=owner.email, role=Membership.Role.OWNER)
            invitations.invitation_accept(org=org, actor=Actor.member(owner), invitation=invitation)
        elif membership.role != Membership.Role.OWNER:
            services.membership_change_role(org=org, actor=SEED, membership=membership, role=Membership.Role.OWNER)

    def _demo_domain(self, org: Organization) -> Domain:
        """acme.example can't be proven (.example never resolves), so the DEBUG demo marks it verified
        without proof. Under production settings that shortcut is refused and it stays unverified."""
        try:
            return services.domain_mark_verified_for_demo(org=org, actor=SEED, name=DEMO_DOMAIN)
        except PermissionDenied as refusal:
            self.stderr.write(f"{DEMO_DOMAIN} left unverified: {refusal}")
        existing = selectors.org_domains(org=org).filter(name=DEMO_DOMAIN).first()
        return existing or services.domain_add(org=org, actor=SEED, name=DEMO_DOMAIN)

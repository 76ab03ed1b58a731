"""The peer's authentication, as django-scim2's README prescribes: it implements none and lets an earlier
middleware authenticate request.user ("OAuth 2 implemented with bearer token"); here django-oauth-toolkit's
OAuth2TokenMiddleware, which looks the access token up on every request, as ours does.

`python -m bench.stock.auth` issues the bench's token (printed on stdout), to a seeded user.
"""


def issue_token() -> str:
    import secrets
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model

    application = get_application_model().objects.create(
        name="bench", client_type="confidential", authorization_grant_type="client-credentials")
    raw = secrets.token_urlsafe(32)
    get_access_token_model().objects.create(
        user=get_user_model().objects.order_by("id").first(), application=application, token=raw,
        expires=timezone.now() + timedelta(hours=2), scope="read write")
    return raw


if __name__ == "__main__":
    import django

    django.setup()
    print(issue_token())

from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from oauth2_provider.models import clear_expired

from tenants.scoping import all_orgs_scope

from .models import ExchangedCode

# A code lives a minute (AUTHORIZATION_CODE_EXPIRE_SECONDS); a day later no reuse can matter.
EXCHANGED_CODE_MEMORY = timedelta(days=1)


@shared_task
def clear_expired_oauth_tokens() -> None:
    """Delete expired access tokens, grants and old revoked refresh tokens (DOT's cleartokens):
    token rows belong to no org, so this needs no tenant scope."""
    clear_expired()
    with all_orgs_scope():
        ExchangedCode.objects.filter(created__lt=timezone.now() - EXCHANGED_CODE_MEMORY).delete()

from celery import shared_task
from oauth2_provider.models import clear_expired


@shared_task
def clear_expired_oauth_tokens() -> None:
    """Delete expired access tokens, grants and old revoked refresh tokens (DOT's cleartokens):
    token rows belong to no org, so this needs no tenant scope."""
    clear_expired()

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Management API"

    def ready(self):
        from . import schema  # noqa: F401 -- registers the API key's OpenAPI security scheme

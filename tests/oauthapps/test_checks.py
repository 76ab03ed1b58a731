from oauthapps.checks import oauth_server_configuration


def test_the_configured_oauth_server_passes():
    assert oauth_server_configuration(None) == []


def test_turning_off_an_rfc_9700_gate_is_an_error(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": False}
    assert [error.id for error in oauth_server_configuration(None)] == ["oauthapps.E001"]


def test_django_oauth_toolkits_own_validator_is_an_error(settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER, "OAUTH2_VALIDATOR_CLASS": "oauth2_provider.oauth2_validators.OAuth2Validator"
    }
    assert [error.id for error in oauth_server_configuration(None)] == ["oauthapps.E002"]

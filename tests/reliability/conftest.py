from tests.integration.conftest import proofdesk, snapshot  # noqa: F401 - shared fixtures

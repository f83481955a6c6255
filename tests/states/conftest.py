from tests.cases.conftest import app, shared_app  # noqa: F401  (the shared app, see there)

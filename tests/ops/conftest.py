def pytest_configure(config):  # type: ignore[no-untyped-def]
    # pytest-alembic's test functions carry this mark; its plugin, which would register it, is disabled.
    config.addinivalue_line("markers", "alembic: pytest-alembic's standard migration tests")

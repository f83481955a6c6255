from collections.abc import Iterator

import pytest

from tests.notifications.receiver import Receiver
from tests.webhooks.conftest import app, app_settings, webhooks_app  # noqa: F401  (the app with /webhooks)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()

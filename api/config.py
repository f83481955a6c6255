"""Settings, read from `VIGIA_`-prefixed environment variables or a `.env` file."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIA_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Unset: the service runs its own embedded PostgreSQL under `data_dir`.
    database_url: str | None = None
    # The schema owner, for migrations and the command line. Unset: `database_url` (or the embedded
    # server's superuser). The service itself should connect as `vigia_app`, which owns nothing.
    migration_database_url: str | None = None
    # When set, `vigia db upgrade` gives the `vigia_app` role this password so the service can log in.
    app_db_password: SecretStr | None = None
    data_dir: Path = Path(".vigia")
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    access_token_minutes: int = Field(default=12 * 60, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    cors_origins: list[str] = []
    # Requests per minute for each partner API key, and login attempts per minute for each e-mail
    # and each client address.
    rate_limit_per_minute: int = Field(default=600, ge=1)
    login_attempts_per_minute: int = Field(default=10, ge=1)
    log_level: str = "INFO"
    # `json`: one JSON object per line (api/ops/logging.py); `text`: plain lines. Unset: text in
    # development, JSON otherwise.
    log_format: Literal["json", "text"] | None = None
    # `GET /metrics` (Prometheus) answers only with `Authorization: Bearer <this token>`; unset, it is 404.
    metrics_token: SecretStr | None = None
    # Evidence files are kept byte for byte under this folder (see api/evidence/storage.py).
    evidence_dir: Path = Path(".vigia/evidence")
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    # Deadline checks and notifications.
    due_soon_days: int = Field(default=30, ge=0, le=365)
    check_interval_seconds: int = Field(default=3600, ge=1)
    delivery_interval_seconds: int = Field(default=30, ge=1)
    delivery_max_attempts: int = Field(default=12, ge=1)
    # Webhook URLs to loopback, private or link-local addresses are refused unless this is set (tests).
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_from: str = "vigia@localhost"
    # The dashboard's address, for links in e-mails and calendar events.
    public_url: str = "http://127.0.0.1:8000"
    # The built dashboard; served at / when present.
    frontend_dist: Path = Path("frontend/dist")

    @property
    def json_logs(self) -> bool:
        if self.log_format is not None:
            return self.log_format == "json"
        return self.environment != "development"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.environment == "production" and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError("VIGIA_SECRET_KEY must be set to a strong secret outside development")
        if self.environment == "production" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("VIGIA_SECRET_KEY must be at least 32 characters")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()

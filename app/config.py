"""Settings, read once from the environment."""

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "seed"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'data' / 'knowledge.db'}"
    # Public knowledge: any web page may read it.
    cors_origins: list[str] = ["*"]
    cache_max_age: int = 300
    # Memory for cached answers (per worker); 0 stores none.
    cache_max_bytes: int = 64 * 2**20
    # How often the database is asked for its knowledge revision, to notice a migration.
    revision_check_interval: float = Field(1.0, gt=0)
    # Where each revision's snapshot is kept (app/snapshot.py), shared by the workers; by
    # default beside a SQLite database's file, else data/snapshots.
    snapshot_dir: Path | None = None
    # Seconds a read of the database waits for a lock (a migration's DDL), and runs at most.
    database_lock_timeout: float = 1.0
    database_statement_timeout: float = 30.0
    # Seconds /ready waits for the database before it says it is not ready.
    readiness_timeout: float = 1.0
    # Where clients reach this deployment (behind a proxy, the proxy's address): links in the
    # answers are built from it, never from the request, so no client can change them.
    public_url: str = "http://127.0.0.1:8000"
    # Whom the API's users may write to, as the OpenAPI document's contact: an object with a
    # `name`, and a `url` or an `email` (CONTACT='{"name": "...", "email": "..."}').
    contact: dict[str, str] = {"name": "The operators of this deployment"}

    # One JSON line per request on standard output.
    access_log: bool = True
    # Prometheus metrics at /metrics.
    metrics: bool = True
    # Where worker processes keep their metrics for /metrics to add up (prometheus-client reads
    # it too, at import): needed with more than one worker.
    prometheus_multiproc_dir: Path | None = None

    @property
    def snapshot_directory(self) -> Path:
        if self.snapshot_dir is not None:
            return self.snapshot_dir
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            path = Path(url.database)
            return path.with_name(f"{path.name}.snapshots")
        return ROOT / "data" / "snapshots"

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        if not _is_absolute_http_url(value):
            raise ValueError(
                "must be an absolute http(s) URL in ASCII with no user, query or fragment, "
                "such as https://api.example.org"
            )
        return value.rstrip("/")


def _is_absolute_http_url(value: str) -> bool:
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.username is None
        and not parts.query
        and not parts.fragment
        and value.isascii()
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()

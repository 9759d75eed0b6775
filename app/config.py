"""Settings, read once from the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "seed"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Addresses a server listens on that no client can reach it at: every interface.
ANY_ADDRESS = {"": DEFAULT_HOST, "0.0.0.0": DEFAULT_HOST, "::": "::1", "[::]": "::1"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'data' / 'knowledge.db'}"
    # Public knowledge: any web page may read it.
    cors_origins: list[str] = ["*"]
    cache_max_age: int = 300
    # Memory for cached answers (per worker); 0 stores none.
    cache_max_bytes: int = 64 * 2**20
    # How often the database is asked for its knowledge revision, to notice a migration.
    revision_check_interval: float = Field(0.5, gt=0)
    # Where each revision's snapshot is kept (app/snapshot.py), shared by the workers; by
    # default beside a SQLite database's file, else data/snapshots.
    snapshot_dir: Path | None = None
    # Seconds a read of the database waits for a lock (a migration's DDL), and runs at most.
    database_lock_timeout: float = 1.0
    database_statement_timeout: float = 30.0
    # Seconds /ready waits for the database before it says it is not ready.
    readiness_timeout: float = 1.0
    # Reads of the snapshot (and gzipping of answers) a worker runs at once, each in a thread:
    # more only contend for the cores and the GIL; the others wait their turn in the event loop.
    # Two, not four: at 10,000 conditions, a cached answer beside 8 connections of misses waits
    # 4.4 to 4.8 ms at p99, not 6.8 to 8.6 ms, and details and deep pages are answered faster.
    worker_threads: int = Field(2, ge=1)
    # Where the server listens, as `make run` and the image give it to uvicorn (HOST, PORT):
    # read here only to say where clients reach it when PUBLIC_URL does not.
    host: str = DEFAULT_HOST
    port: int = Field(DEFAULT_PORT, ge=1, le=65535)
    # Where clients reach this deployment (behind a proxy, the proxy's address): links in the
    # answers are built from it, never from the request, so no client can change them. Without
    # PUBLIC_URL, the address the server listens on (HOST and PORT; on every interface, this
    # machine's loopback).
    public_url: str = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
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

    @model_validator(mode="before")
    @classmethod
    def _public_url_from_host_and_port(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("public_url") is None:
            host = data.get("host", DEFAULT_HOST)
            port = data.get("port", DEFAULT_PORT)
            # A port that is no number is refused by its own field.
            if isinstance(host, str) and str(port).strip().isdigit():
                data = {**data, "public_url": listening_url(host, port)}
        return data

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        if not _is_absolute_http_url(value):
            raise ValueError(
                "must be an absolute http(s) URL in ASCII with no user, query or fragment, "
                "such as https://api.example.org"
            )
        return value.rstrip("/")


def listening_url(host: str, port: int | str) -> str:
    """The URL of a server listening on `host` and `port`, as a client on this machine reaches
    it: one listening on every interface (0.0.0.0, ::) is reached on the loopback."""
    host = host.strip()
    host = ANY_ADDRESS.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{str(port).strip()}"


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

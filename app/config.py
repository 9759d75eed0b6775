"""Settings, read once from the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

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
    # How often, at most, the cache re-reads the knowledge revision to notice a migration.
    revision_check_interval: float = 1.0
    # One JSON line per request on standard output.
    access_log: bool = True
    # Prometheus metrics at /metrics.
    metrics: bool = True
    # Where worker processes keep their metrics for /metrics to add up (prometheus-client reads
    # it too, at import): needed with more than one worker.
    prometheus_multiproc_dir: Path | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()

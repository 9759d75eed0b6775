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
    # Memory for rendered items (per worker), kept until the knowledge revision changes.
    render_cache_bytes: int = 64 * 2**20
    # Where clients reach this deployment: JSON-LD node ids and the OpenAPI `servers` use it,
    # never the request's Host or forwarded headers, which a client could set.
    public_url: str = "http://127.0.0.1:8000"
    # Whom the API's users may write to, as the OpenAPI document's contact: an object with a
    # `name`, and a `url` or an `email` (CONTACT='{"name": "...", "email": "..."}').
    contact: dict[str, str] = {"name": "The operators of this deployment"}


@lru_cache
def get_settings() -> Settings:
    return Settings()

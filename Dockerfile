# The API in a container: the knowledge base is built at image build, served read-only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////app/data/knowledge.db \
    WEB_CONCURRENCY=2

WORKDIR /app

# Dependencies in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
# The package itself, in place (its metadata gives the API's version), then the database,
# built by the same migrations as everywhere else.
RUN pip install --no-deps -e . \
    && alembic upgrade head

# Served by a user that owns nothing: the database is read-only to the server anyway.
RUN useradd --system --no-create-home --uid 10001 api
USER api

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]

# uvicorn reads its number of worker processes from WEB_CONCURRENCY.
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", \
     "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--no-server-header"]

# Hotline case desk API. Migrates the database, then serves on port 8000.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOTLINE_DATABASE_URL=sqlite:////app/var/hotline.db

WORKDIR /app

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin hotline \
    && mkdir -p /app/var \
    && chown hotline:hotline /app/var

# Dependencies first, from pyproject.toml alone, so that a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md alembic.ini ./
COPY alembic ./alembic
COPY service ./service
RUN pip install --no-cache-dir --no-deps .

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["hotline", "serve", "--migrate", "--host", "0.0.0.0", "--port", "8000"]

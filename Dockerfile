# pigwatch image for the services mode (docker-compose.yml): API, migrations and Celery workers.
# CPU by default; the GPU worker builds it with TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128.
FROM python:3.11-slim

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIGWATCH_DATA_DIR=/var/lib/pigwatch \
    PIGWATCH_MEDIA_DIR=/var/lib/pigwatch/media

RUN apt-get update \
    && apt-get install -y --no-install-recommends libglib2.0-0 curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# torch first, from the index matching the target (CPU wheel by default), pinned by constraints.txt.
COPY constraints.txt pyproject.toml README.md ./
RUN pip install --upgrade pip \
    && pip install -c constraints.txt --index-url "${TORCH_INDEX_URL}" torch==2.13.0

COPY app ./app
COPY workers ./workers
COPY models ./models
COPY pigwatch ./pigwatch
COPY migrations ./migrations
COPY alembic.ini ./
COPY frontend ./frontend
RUN pip install -c constraints.txt -e . \
    && useradd --system --create-home --home-dir /home/pigwatch pigwatch \
    && mkdir -p /var/lib/pigwatch/media && chown -R pigwatch /var/lib/pigwatch

USER pigwatch
EXPOSE 8000
CMD ["pigwatch", "serve", "--host", "0.0.0.0", "--port", "8000"]

# ShopMirror production image: WeasyPrint's libraries, Chinese and Arabic/Hebrew fonts, a non-root user,
# migrations at start (under a lock: instances started together run them once), then uvicorn.
# The same image runs the job worker (`shopmirror worker`) and the one-shot migration of
# compose.yaml (docs/deploy.md, "Topology"). Demo data is never loaded here; create the first
# admin with: docker exec -it <container> shopmirror create-admin <username>
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/shopmirror

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-noto-cjk fonts-noto-core fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 shopmirror \
 && mkdir -p /var/lib/shopmirror && chown shopmirror /var/lib/shopmirror

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .  # editable: alembic.ini and migrations/ stay beside the code

USER shopmirror
EXPOSE 8000
VOLUME ["/var/lib/shopmirror"]
CMD ["sh", "-c", "shopmirror migrate && exec uvicorn app.main:create_app --factory --host 0.0.0.0 --port 8000 --proxy-headers"]

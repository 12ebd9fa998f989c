# The API image: `docker compose up` runs it next to the official PostGIS image (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user to run the service.
RUN useradd --create-home --uid 10001 parking

WORKDIR /app
COPY --chown=parking:parking . .
RUN pip install . && rm -rf build ./*.egg-info

USER parking
EXPOSE 8000

# Migrate, load the bundled data (only when not loaded yet), then serve. DATABASE_URL comes from the environment.
CMD ["sh", "-c", "parking db upgrade && parking load bundled && parking serve --host 0.0.0.0 --port 8000"]

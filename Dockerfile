# ConvScope: the Streamlit app in one container (one replica; see README "Hosting and scaling out").
#   docker build -t convscope . && docker run --rm -p 8501:8501 convscope
FROM python:3.11-slim

# No file watching or auto-rerun in production (.streamlit/config.toml leaves them to development).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_SERVER_RUN_ON_SAVE=false

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin convscope
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root: the app user can read it but not change it.
COPY . .

USER convscope
EXPOSE 8501

# curl is not in the slim image; ask the server's health endpoint with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]

# Shared by bin/demo, bin/test and .ci/run: make sure uv is there and the locked
# dependencies are installed in .venv. Sourced, not executed.
export UV_PYTHON_DOWNLOADS=never
if command -v uv >/dev/null 2>&1; then
  UV=(uv)
else
  if ! python3 -m uv --version >/dev/null 2>&1; then
    echo "Installing uv (the package manager that reads uv.lock) with pip…"
    python3 -m pip install --quiet --disable-pip-version-check uv \
      || python3 -m pip install --quiet --disable-pip-version-check --user uv
  fi
  UV=(python3 -m uv)
fi
"${UV[@]}" sync --frozen --quiet
# The player's lottie-web comes from the npm registry, pinned by package-lock.json; installed
# again only when node_modules is missing or older than the lock.
if command -v npm >/dev/null 2>&1; then
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
else
  echo "note: npm is not installed; the public player has no lottie-web (apt-get install npm)." >&2
fi

"""Production serving: gunicorn, whitenoise, /health/, logs, settings from the environment."""

"""A small Django site for the reliability tests, served by real gunicorn and uvicorn servers.

The in-process tests reuse its views and urls under the suite's own settings.
"""

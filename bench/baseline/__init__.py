"""The bare FastAPI + asyncpg baseline the service is measured against (see app.py)."""

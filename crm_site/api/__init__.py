"""The REST API under /api/v1/ (Django REST Framework), its OpenAPI 3 schema (/api/schema/) and docs (/api/docs/).

Sign in with the session (the docs page) or a token from /api/tokens/ (``Authorization: Token <key>``, or
``Bearer``). Every view declares its access rules per method (``permissions.PolicyView``) and loads its object
through the app's gate, so the API shows and changes exactly what the pages would; writes go through the apps'
forms (validation) and services (the change and its timeline row). Errors have one shape (``errors.py``):
``{"error": {"code": ..., "message": ..., "fields": {...}}}``.
"""

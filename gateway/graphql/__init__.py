"""GraphQL schema, grouped by domain and merged in ``schema.py``."""

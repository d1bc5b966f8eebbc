"""The API by domain (rooms, themes, events, catalog, …), merged into one schema in
``build.py``."""

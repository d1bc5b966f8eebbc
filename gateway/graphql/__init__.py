"""GraphQL: ``schema`` holds the API by domain (rooms, themes, events, …), ``transport`` how it
reaches clients (HTTP, WebSocket, SSE, GraphiQL, media types); the modules here are what both
share (errors, limits, pagination, fan-out, permissions)."""

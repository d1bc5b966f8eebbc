"""How GraphQL reaches clients: HTTP, WebSocket, SSE, GraphiQL and media types."""

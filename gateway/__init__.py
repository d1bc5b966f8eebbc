"""The meetings gateway: one GraphQL endpoint in front of several video-meeting providers."""

"""The themes domain (Vonage): queries, mutations and types."""

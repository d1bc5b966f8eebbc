"""The events domain: the normalized event types and their subscription."""

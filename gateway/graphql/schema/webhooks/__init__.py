"""Outbound webhook endpoints (Standard Webhooks)."""

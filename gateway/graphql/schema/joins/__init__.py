"""Joining rooms: credentials for the providers' own clients and pages."""

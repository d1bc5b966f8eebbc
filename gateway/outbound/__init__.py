"""Outbound webhooks (Standard Webhooks): endpoints per tenant, signed deliveries of the
event log, at least once and in log order per endpoint, across replicas."""

from gateway.outbound.addresses import UrlPolicy, UrlRefused
from gateway.outbound.model import DeliveryStatus, Endpoint, Owner, ResumeFrom, event_body
from gateway.outbound.service import (
    EndpointNotFound,
    EndpointView,
    EventsGone,
    Outbound,
    TooManyEndpoints,
)
from gateway.outbound.store import EndpointStore, create_endpoint_store

__all__ = [
    "DeliveryStatus",
    "Endpoint",
    "EndpointNotFound",
    "EndpointStore",
    "EndpointView",
    "EventsGone",
    "Outbound",
    "Owner",
    "ResumeFrom",
    "TooManyEndpoints",
    "UrlPolicy",
    "UrlRefused",
    "create_endpoint_store",
    "event_body",
]

"""Inbound webhooks: verified by the caller's endpoint, stored first, processed in the background."""

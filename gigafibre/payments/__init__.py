"""Payments: Stripe Checkout, card on file, pre-authorized payments and the Stripe webhook.

`stripe_client` (the SDK, configured by arguments) and `events` (Stripe event -> payment facts)
are plain Python; `service`, `stripe_events`, `ppa` and `setup` are the Frappe shell.
"""

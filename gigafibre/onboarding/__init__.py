"""Onboarding: a new customer from the web form to an order (catalog, address search, OTP, order).

Pure core modules (`otp`) never import Frappe; the shell (`otp_service`, `addresses`, `catalog`,
`setup`) reads settings and documents. The guest endpoints live in `gigafibre.api.checkout`.
"""

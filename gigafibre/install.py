"""What installing the app does to a site beyond syncing doctypes and fixtures."""

import secrets

import frappe


def after_install() -> None:
	ensure_link_secret()


def ensure_link_secret() -> None:
	"""Every site signs its own links: a fresh random secret, never one shipped in code."""
	settings = frappe.get_single("Gigafibre Settings")
	if not settings.get_password("jwt_secret", raise_exception=False):
		settings.jwt_secret = secrets.token_urlsafe(48)
		settings.flags.ignore_permissions = True
		settings.save()

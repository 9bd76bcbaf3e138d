"""Counting requests per identifier (email, phone), beside Frappe's per-IP `rate_limit`."""

import hashlib

import frappe


def count_this_hour(bucket: str, identifier: str) -> int:
	"""How many times `identifier` was counted in `bucket` during the current hour window.

	The identifier is hashed (no address or number sits in Redis) and the key carries the site's
	prefix, so two sites on one Redis keep separate counts.
	"""
	key = frappe.cache.make_key(f"gigafibre:{bucket}:{hashlib.sha256(identifier.encode()).hexdigest()}")
	count = frappe.cache.incrby(key, 1)
	if count == 1:
		frappe.cache.expire(key, 3600)
	return count

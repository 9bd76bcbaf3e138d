"""Voice: the IVR state machine (ivr.py, pure), the Routr client (routr.py), the Frappe shell (service.py, pool.py)."""

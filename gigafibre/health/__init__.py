"""What is not set up or not working on a site: `checks` (pure: facts in, lines out) and `service`
(the Frappe side: facts collected from settings, services, queues and stuck rows)."""

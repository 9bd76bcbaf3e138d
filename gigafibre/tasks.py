"""Scheduler entry points, one line each into a capability (wired in hooks.scheduler_events)."""

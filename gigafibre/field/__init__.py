"""Live field operations: the Traccar client (`traccar`), the worker's decisions (`positions`) and
loop (`worker`), and their Frappe side (`live`: the store, latest positions, breadcrumbs)."""

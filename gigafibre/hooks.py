"""The map of the app: what Frappe calls, and where it lands."""

app_name = "gigafibre"
app_title = "Gigafibre FSM"
app_publisher = "Gigafibre"
app_description = "Field service and operations for a fibre ISP"
app_email = "dev@gigafibre.ca"
app_license = "mit"

# The "org/app" form: a bare "erpnext" makes install-app look the app up on GitHub.
required_apps = ["frappe/erpnext"]

# Developer mode writes the typed field block into each doctype controller.
export_python_type_annotations = True

# ---------------------------------------------------------------- install and data
after_install = "gigafibre.install.after_install"
after_migrate = ["gigafibre.install.ensure_link_secret"]

fixtures = [
	{"dt": "Role", "filters": [["name", "in", ["Dispatcher", "Technician", "Gigafibre Manager"]]]},
]

# ---------------------------------------------------------------- desk
doctype_js = {}

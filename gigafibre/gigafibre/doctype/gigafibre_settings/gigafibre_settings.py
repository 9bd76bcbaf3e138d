# Copyright (c) 2026, Gigafibre and contributors
# For license information, please see license.txt

import json

import frappe
from frappe import _
from frappe.model.document import Document


class GigafibreSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		acceptance_inform_minutes: DF.Int
		acceptance_rx_max: DF.Float
		acceptance_rx_min: DF.Float
		address_api_key: DF.Password
		address_api_url: DF.Data
		agent_max_tool_calls: DF.Int
		agent_max_turns: DF.Int
		agent_min_confidence: DF.Float
		agent_on_portal: DF.Check
		agent_on_sms: DF.Check
		ai_calls_per_hour: DF.Int
		ai_tokens_per_day: DF.Int
		billing_day: DF.Literal["Calendar Month", "Anniversary"]
		checkin_radius_m: DF.Int
		contract_link_days: DF.Int
		dispatch_average_speed: DF.Float
		dispatch_road_factor: DF.Float
		dispatch_time_limit: DF.Float
		dispatch_weight_affinity: DF.Float
		dispatch_weight_earliness: DF.Float
		dispatch_weight_load: DF.Float
		dispatch_weight_travel: DF.Float
		docuseal_api_key: DF.Password
		docuseal_template_id: DF.Int
		docuseal_url: DF.Data
		docuseal_webhook_header: DF.Data
		docuseal_webhook_secret: DF.Password
		equipment_return_days: DF.Int
		flow_max_attempts: DF.Int
		flow_retry_backoff_seconds: DF.Int
		from gigafibre.gigafibre.doctype.suspension_action.suspension_action import SuspensionAction

		gemini_api_base: DF.Data
		gemini_api_key: DF.Password
		gemini_model: DF.Data
		gemini_timeout_seconds: DF.Int
		genieacs_password: DF.Password
		genieacs_url: DF.Data
		genieacs_username: DF.Data
		grafana_dashboard_url: DF.Data
		influxdb_database: DF.Data
		influxdb_password: DF.Password
		influxdb_retention: DF.Data
		influxdb_url: DF.Data
		influxdb_username: DF.Data
		install_lead_days: DF.Int
		invoice_days_until_due: DF.Int
		invoice_email: DF.Check
		ivr_billing_number: DF.Data
		ivr_support_number: DF.Data
		jwt_secret: DF.Password
		kuma_webhook_secret: DF.Password
		link_lifetime_hours: DF.Int
		modem_bridge_models: DF.SmallText
		modem_bridge_token: DF.Password
		modem_bridge_url: DF.Data
		modem_web_password: DF.Password
		modem_web_username: DF.Data
		oktopus_device_password: DF.Password
		oktopus_email: DF.Data
		oktopus_mqtt_host: DF.Data
		oktopus_mqtt_password: DF.Password
		oktopus_mqtt_port: DF.Int
		oktopus_mqtt_tls: DF.Check
		oktopus_mqtt_username: DF.Data
		oktopus_password: DF.Password
		oktopus_token: DF.Password
		oktopus_url: DF.Data
		olt_rx_alarm_dbm: DF.Float
		olt_targets: DF.Code
		pbx_webhook_secret: DF.Password
		portal_base_url: DF.Data
		quiet_hours_end: DF.Time | None
		quiet_hours_start: DF.Time | None
		referral_credit_referred: DF.Currency
		referral_credit_referrer: DF.Currency
		residential_contract: DF.Code
		routing_engine: DF.Literal["", "OSRM", "Valhalla"]
		routing_url: DF.Data
		routr_api_url: DF.Data
		routr_domain: DF.Data
		routr_gateway_ref: DF.Data
		routr_password: DF.Password
		routr_username: DF.Data
		stripe_api_base: DF.Data
		stripe_publishable_key: DF.Data
		stripe_secret_key: DF.Password
		stripe_webhook_secret: DF.Password
		suspension_actions: DF.Table[SuspensionAction]
		suspension_max_attempts: DF.Int
		suspension_run_time: DF.Time | None
		tech_base_url: DF.Data
		traccar_token: DF.Password
		traccar_url: DF.Data
		triage_categories: DF.SmallText
		triage_enabled: DF.Check
		twilio_account_sid: DF.Data
		twilio_api_base: DF.Data
		twilio_api_key_secret: DF.Password
		twilio_api_key_sid: DF.Data
		twilio_auth_token: DF.Password
		twilio_from_number: DF.Data
		twilio_public_url: DF.Data
		twilio_twiml_app_sid: DF.Data
		voice_agent_enabled: DF.Check
		voice_hold_music_url: DF.Data
		voicemail_transcription: DF.Literal["Gemini", "Twilio", "None"]
		voice_holiday_list: DF.Link
		voice_hours: DF.SmallText
		voice_operator_number: DF.Data
		voice_sales_number: DF.Data
		voice_token_minutes: DF.Int
	# end: auto-generated types

	def validate(self) -> None:
		for field in URL_FIELDS:
			value = (self.get(field) or "").strip().rstrip("/")
			if value and not value.startswith(("http://", "https://")):
				frappe.throw(
					_("{0} must start with http:// or https://.").format(_(self.meta.get_label(field)))
				)
			self.set(field, value)
		if not 1 <= (self.link_lifetime_hours or 0) <= 720:
			frappe.throw(_("Link lifetime must be between 1 and 720 hours."))
		if (self.checkin_radius_m or 0) <= 0:
			frappe.throw(_("The check-in radius must be more than 0 metres."))
		if (self.dispatch_road_factor or 1) < 1:
			frappe.throw(
				_("The road factor cannot be below 1: roads are never shorter than a straight line.")
			)
		if (self.dispatch_average_speed or 1) <= 0 or (self.dispatch_time_limit or 1) <= 0:
			frappe.throw(_("The average speed and the planner time limit must be more than 0."))
		if self.routing_engine and not self.routing_url:
			frappe.throw(_("Give the routing table URL of {0}.").format(self.routing_engine))
		if self.olt_targets:
			try:
				targets = json.loads(self.olt_targets)
			except ValueError:
				frappe.throw(_("OLTs to Poll must be a JSON list."))
			if not isinstance(targets, list) or not all(
				isinstance(t, dict) and t.get("host") for t in targets
			):
				frappe.throw(_("OLTs to Poll must be a JSON list of objects, each with a host."))
		if (self.acceptance_rx_min or -27) >= (self.acceptance_rx_max or -8):
			frappe.throw(_("The lowest accepted rx power must be below the highest."))
		if (self.flow_max_attempts or 0) < 1:
			frappe.throw(_("Max attempts per action must be at least 1."))
		self.validate_suspension()

	def validate_suspension(self) -> None:
		from gigafibre.billing.suspension import check_settings

		check_settings(self)


URL_FIELDS = (
	"portal_base_url",
	"tech_base_url",
	"stripe_api_base",
	"twilio_public_url",
	"twilio_api_base",
	"gemini_api_base",
	"genieacs_url",
	"oktopus_url",
	"traccar_url",
	"modem_bridge_url",
	"routing_url",
)

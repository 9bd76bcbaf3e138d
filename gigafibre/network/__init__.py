"""Network and CPE capability: GenieACS (TR-069) and Oktopus (USP) clients, device summaries,
OLT SNMP polling and the modem bridge. Plain clients configured by their arguments; this package
never imports Frappe (the shell reads Gigafibre Settings and builds them)."""

"""Pure helpers the Gigafibre reports share (no Frappe here); each report's SQL lives in its own
folder under gigafibre/gigafibre/report/."""

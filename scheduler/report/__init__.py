"""The impact report: the campaign's figures for a period, as HTML, PDF, CSV and JSON (German)."""

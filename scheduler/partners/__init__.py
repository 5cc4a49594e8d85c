"""The municipalities as partners: their press contacts, the monthly mail to each, and the
import of their own event calendars as drafts (see README.md)."""

"""Event import from the municipalities' own calendars (issue 31): drafts for the editors."""

"""Live preview for editors (`invoke livereload`): one long-lived process keeps Pelican and
the parsed site, writes the edited page first and then re-renders only the outputs an edit
affects, serves the folder on localhost and reloads open pages. Modules: fingerprint (what
an output is made of), writer (render only on change), session (one Pelican across runs),
page_first (the edited page before the full pass), body_reads and body_edit (an edited
body renders only the outputs that showed it, without the full pass), watch (what changed,
from file notifications), server (HTTP + reload channel). Not a Pelican plugin: nothing here is
registered in PLUGINS.
"""

"""The build service (`invoke build-service`, the soists-build unit): one long-lived process
that keeps the parsed site of the production build and, on every request, re-renders only
what changed since the last one; `invoke publish` asks it when its socket is there, so an
editor's commit and the scheduler's website step wait seconds, not a full build. Modules:
service (the session on the production settings, the search index after it), client (the
socket's path, `ask`), __main__ (the socket server). Not a Pelican plugin: nothing here is
registered in PLUGINS.
"""

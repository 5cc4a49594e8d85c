"""The credentials stage: tokens that do not lapse, the Graph API version, check-credentials.

Modules: model (TokenInfo, Problem, expiry problems), versions (SOISTS_GRAPH_VERSION and the
expiry table), vault (the 0600 secrets file and its metadata), api (debug_token, exchange,
/me/accounts, /me/permissions, Instagram refresh), refresh (the daily soists.tokens job),
check (what each job needs vs. what is granted). Nothing is imported here on purpose:
importing the package must not pull the HTTP client into modules that only need the model.
"""

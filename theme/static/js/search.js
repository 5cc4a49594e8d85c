// Starts Pagefind's own UI on /suche/ (theme/templates/search.html); ?q=… starts a search
// (links from other pages). A file, not an inline script: the Content-Security-Policy
// (plugins/headers/policy.py) allows scripts from this site only, without hashes.
window.addEventListener("DOMContentLoaded", function () {
  var ui = new PagefindUI({ element: "#suche", showSubResults: true, showImages: false, resetStyles: false });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { ui.triggerSearch(query); }
});

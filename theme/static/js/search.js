// Starts Pagefind's own UI on /suche/ (theme/templates/search.html); ?q=… starts a search
// (links from other pages). A file, not an inline script: the Content-Security-Policy
// (plugins/headers/policy.py) allows scripts from this site only, without hashes.
// A large site's index comes in shards (plugins/search_index.py): /pagefind/shards.json lists
// the bundles beside the first one, and Pagefind merges them into one search.
window.addEventListener("DOMContentLoaded", function () {
  var script = document.querySelector('script[src$="pagefind-ui.js"]');
  var bundle = script.src.replace(/pagefind-ui\.js$/, "");
  function start(others) {
    var ui = new PagefindUI({
      element: "#suche", showSubResults: true, showImages: false, resetStyles: false,
      mergeIndex: others.map(function (path) { return { bundlePath: bundle + path }; })
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { ui.triggerSearch(query); }
  }
  fetch(bundle + "shards.json")
    .then(function (answer) { return answer.ok ? answer.json() : { bundles: [] }; })
    .then(function (list) { start(list.bundles || []); }, function () { start([]); });
});

// Accessibility for Pagefind's search UI (loaded by /suche/ after pagefind-ui.js):
// - the search field gets the visible label of the page (Pagefind gives it only a title); the label
//   is tied to the field here, because the field exists only once Pagefind has drawn it (a static
//   <label for> would point at nothing, which the HTML checker rightly refuses);
// - result titles, which Pagefind renders as <p>, become headings of level 2 (sub-results: level 3);
// - the result count is announced politely to screen readers.
// Only attributes are added, so Pagefind's own rendering keeps working.
(function () {
  "use strict";
  var root = document.getElementById("suche");
  if (!root) { return; }
  function improve() {
    var input = root.querySelector(".pagefind-ui__search-input");
    if (input && input.id !== "suche-eingabe") {
      input.id = "suche-eingabe";
      input.removeAttribute("title");
      var label = document.getElementById("suche-label");
      if (label) { label.htmlFor = input.id; }
    }
    var message = root.querySelector(".pagefind-ui__message");
    if (message && !message.hasAttribute("aria-live")) {
      message.setAttribute("aria-live", "polite");
    }
    var titles = root.querySelectorAll(".pagefind-ui__result-title:not([role])");
    for (var i = 0; i < titles.length; i++) {
      var nested = titles[i].closest(".pagefind-ui__result-nested");
      titles[i].setAttribute("role", "heading");
      titles[i].setAttribute("aria-level", nested ? "3" : "2");
    }
  }
  improve();
  new MutationObserver(improve).observe(root, { childList: true, subtree: true });
})();

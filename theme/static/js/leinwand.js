// The Leinwand: cycles the campaign's approved photos, refreshes the list from a static JSON file
// every few minutes and keeps showing what it has when the network is gone. Same-site only.
(function () {
  "use strict";
  var body = document.body;
  var feed = body.getAttribute("data-feed");
  var root = body.getAttribute("data-root") || "/";
  var image = document.querySelector(".leinwand__image");
  var credit = document.querySelector(".leinwand__credit");
  // ?sekunden=8&neuladen=60 change how long a photo stays and how often the list is reloaded
  // (for a slower projector, a livelier screen, or a test); at least one second each.
  var query = new URLSearchParams(window.location.search);
  function seconds(name, fallback) {
    var value = parseFloat(query.get(name));
    return (value >= 1 ? value : fallback) * 1000;
  }
  var SHOW_MS = seconds("sekunden", 12), REFRESH_MS = seconds("neuladen", 180), KEY = "leinwand:" + feed;
  var posts = [], index = 1;  // the page itself shows the first photo

  function remember(list) {
    posts = list;
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* private mode: memory only */ }
  }

  function refresh() {
    fetch(feed + "?t=" + Date.now(), { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { if (data.posts && data.posts.length) { remember(data.posts); } })
      .catch(function () { /* offline: keep the photos we already have */ });
  }

  function show() {
    if (!posts.length) { return; }
    var post = posts[index % posts.length];
    index += 1;
    body.classList.add("leinwand--fading");
    window.setTimeout(function () {
      image.src = root + post.image;
      image.alt = post.alt;
      credit.textContent = "📷 " + post.credit + " · " + post.place;
      body.classList.remove("leinwand--fading");
    }, 800);
  }

  try { posts = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { posts = []; }
  refresh();
  window.setInterval(refresh, REFRESH_MS);
  window.setInterval(show, SHOW_MS);
}());

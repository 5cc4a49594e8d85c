// The project's file format for Decap CMS, then the editor's start.
//
// Content files are Pelican Markdown: "Key: value" lines, a blank line, the Markdown body
// (see README "Writing content"); not YAML front matter, which Pelican would read with the
// quotes and brackets YAML adds. Lists (several municipalities) are one line, comma-separated.
(function () {
  "use strict";
  var LIST_FIELDS = ["municipality"]; // select fields with several values (plugins/cms/types.py)
  var HEADER_LINE = /^([A-Za-z][A-Za-z0-9_-]*):\s?(.*)$/;

  function fromFile(text) {
    var lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    var data = {};
    var last = null;
    var index = 0;
    for (; index < lines.length; index++) {
      var line = lines[index];
      if (line.trim() === "") { index++; break; }
      var match = HEADER_LINE.exec(line);
      if (match) {
        last = match[1].toLowerCase();
        data[last] = match[2].trim();
      } else if (last && /^\s/.test(line)) {
        data[last] = (data[last] + " " + line.trim()).trim(); // a continued header line
      } else {
        break; // no header at all: everything is body
      }
    }
    LIST_FIELDS.forEach(function (name) {
      if (typeof data[name] === "string") {
        data[name] = data[name].split(",").map(function (v) { return v.trim(); }).filter(Boolean);
      }
    });
    data.body = lines.slice(index).join("\n").replace(/\s+$/, "");
    return data;
  }

  function headerValue(value) {
    if (Array.isArray(value)) {
      value = value.map(function (v) { return String(v).trim(); }).filter(Boolean).join(", ");
    }
    if (value === null || value === undefined) return "";
    return String(value).replace(/\s*\n\s*/g, " ").trim(); // one line: Pelican ends a value there
  }

  function toFile(data, sortedKeys) {
    var keys = (sortedKeys || []).slice();
    Object.keys(data).forEach(function (key) { if (keys.indexOf(key) < 0) keys.push(key); });
    var header = [];
    keys.forEach(function (key) {
      if (key === "body") return;
      var value = headerValue(data[key]);
      if (value !== "") header.push(key + ": " + value);
    });
    var body = String(data.body || "").replace(/\s+$/, "");
    return header.join("\n") + "\n\n" + (body ? body + "\n" : "");
  }

  window.CMS.registerCustomFormat("pelican", "md", { fromFile: fromFile, toFile: toFile });
  window.soistsFormat = { fromFile: fromFile, toFile: toFile }; // for the tests

  // While the Git server is not set up (the shipped placeholders), the editor works only through
  // the local proxy of `invoke cms`. Without it, Decap would offer a GitLab login at a host that
  // does not exist; say how to start the local editor instead.
  function meta(name) {
    if (typeof document === "undefined") return ""; // the format's tests run it in Node
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.getAttribute("content") : "";
  }

  function showLocalHint() {
    var main = document.createElement("main");
    main.className = "soists-cms-hint";
    main.setAttribute("style", "max-width:40rem;margin:3rem auto;padding:0 1.25rem;font:1.05rem/1.55 system-ui,sans-serif");
    var parts = [
      ["h1", "Web-Editor"],
      ["p", "Der Web-Editor ist auf diesem Server noch nicht mit dem Git-Server der Redaktion verbunden."],
      ["p", "Auf deinem Rechner startest du ihn so: im Projektordner „invoke cms“ eingeben und dann " +
            "http://localhost:8000/admin/ öffnen. Was du speicherst, landet als Commit in deiner Arbeitskopie."],
      ["p", "Für den Server richtet die Technik die Anmeldung über GitLab ein (docs/EDITORS-CMS.md)."]
    ];
    parts.forEach(function (part) {
      var element = document.createElement(part[0]);
      element.textContent = part[1];
      main.appendChild(element);
    });
    var back = document.createElement("a");
    back.href = "../";
    back.textContent = "Zur Website";
    main.appendChild(back);
    document.body.appendChild(main);
  }

  if (meta("soists-cms-backend") !== "placeholder") {
    window.initCMS();
    return;
  }
  fetch(meta("soists-cms-proxy"), {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ action: "info" })
  }).then(function (response) {
    if (!response.ok) throw new Error("proxy answered " + response.status);
    window.initCMS();
  }).catch(showLocalHint);
})();

// The project's own editor parts, registered before the editor starts (soists-cms.js starts it):
// the municipality field, the date/time field, the event fields the system keeps (uid,
// revision, Geändert am, Ganztägig) and German phrases over Decap's own.
// Plain JavaScript with window.h (React.createElement) and window.createClass from the bundle.
(function () {
  "use strict";
  var CMS = window.CMS;
  var h = window.h;
  var createClass = window.createClass;
  var UID_DOMAIN = "so-ist-s.de";

  // ---- helpers --------------------------------------------------------------------------
  function plain(value) {
    if (value && typeof value.toJS === "function") return value.toJS();
    return value;
  }

  function fold(text) {
    // lower case, umlauts and ß both ways typed: "Göppingen", "Goeppingen", "goppingen"
    return String(text || "").toLowerCase()
      .replace(/ä/g, "a").replace(/ö/g, "o").replace(/ü/g, "u").replace(/ß/g, "ss")
      .replace(/ae/g, "a").replace(/oe/g, "o").replace(/ue/g, "u");
  }

  function slugify(text) {
    return String(text || "").toLowerCase()
      .replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function stuttgartNow() {
    // "YYYY-MM-DD HH:MM" in Stuttgart's time, whatever the editor's computer says
    var parts = {};
    new Intl.DateTimeFormat("de-DE", {
      timeZone: "Europe/Berlin", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hour12: false
    }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }

  // ---- municipality: names first, the district beside each option, not searched ----------
  // rank 0: the name itself; 1: the name starts with it; 2: a word of the name starts with it;
  // 3: somewhere in the name. The district is never matched ("Esslingen" is not Altdorf).
  function rank(option, query) {
    var name = fold(option.label);
    if (name === query) return 0;
    if (name.indexOf(query) === 0) return 1;
    if ((" " + name.replace(/[-()]/g, " ")).indexOf(" " + query) >= 0) return 2;
    if (name.indexOf(query) >= 0) return 3;
    return -1;
  }

  function suggestions(options, typed, chosen, limit) {
    var query = fold(typed).trim();
    if (!query) return [];
    return options
      .filter(function (o) { return chosen.indexOf(o.value) < 0; })
      .map(function (o) { return { option: o, rank: rank(o, query) }; })
      .filter(function (m) { return m.rank >= 0; })
      .sort(function (a, b) {
        return a.rank - b.rank || a.option.label.localeCompare(b.option.label, "de") ||
          a.option.district.localeCompare(b.option.district, "de");
      })
      .slice(0, limit)
      .map(function (m) { return m.option; });
  }

  function chosenSlugs(value) {
    value = plain(value);
    if (Array.isArray(value)) return value.map(String).filter(Boolean);
    return String(value || "").split(",").map(function (v) { return v.trim(); }).filter(Boolean);
  }

  // The address's place (after the postcode) when it is exactly one municipality's name and not
  // among the chosen ones: the editor warns, as the build does (plugins/events/addresses.py).
  function addressWarning(entry, options, slugs) {
    if (!entry || !slugs.length || typeof entry.getIn !== "function") return "";
    var match = /,\s*\d{4,5}\s+([^,]+?)\s*$/.exec(String(entry.getIn(["data", "address"]) || ""));
    if (!match) return "";
    var named = options.filter(function (o) { return fold(o.label) === fold(match[1]); });
    if (named.length !== 1 || slugs.indexOf(named[0].value) >= 0) return "";
    var chosen = options.filter(function (o) { return slugs.indexOf(o.value) >= 0; })
      .map(function (o) { return o.label + " (" + o.district + ")"; });
    return "Die Adresse liegt in " + named[0].label + " (" + named[0].district + "), gewählt ist " +
      chosen.join(", ") + ". Bitte prüfen, ob der Termin unter der richtigen Kommune steht.";
  }

  var MunicipalityControl = createClass({
    getInitialState: function () { return { typed: "", active: 0 }; },
    options: function () { return plain(this.props.field.get("options")) || []; },
    multiple: function () { return !!this.props.field.get("multiple"); },
    max: function () { return this.multiple() ? (this.props.field.get("max") || 0) : 1; },
    write: function (slugs) {
      // the value the format writes: "a, b" (soists-cms.js splits it back into a list)
      this.props.onChange(this.multiple() ? slugs.join(", ") : (slugs[0] || ""));
    },
    pick: function (option) {
      var slugs = chosenSlugs(this.props.value);
      if (this.max() === 1) slugs = [];
      if (slugs.indexOf(option.value) < 0) slugs.push(option.value);
      this.write(slugs);
      this.setState({ typed: "", active: 0 });
    },
    remove: function (slug) {
      this.write(chosenSlugs(this.props.value).filter(function (s) { return s !== slug; }));
    },
    onKeyDown: function (event, found) {
      if (event.key === "ArrowDown") { this.setState({ active: Math.min(this.state.active + 1, found.length - 1) }); event.preventDefault(); }
      else if (event.key === "ArrowUp") { this.setState({ active: Math.max(this.state.active - 1, 0) }); event.preventDefault(); }
      else if (event.key === "Enter" && found.length) { this.pick(found[this.state.active] || found[0]); event.preventDefault(); }
      else if (event.key === "Escape") { this.setState({ typed: "" }); }
    },
    render: function () {
      var self = this;
      var props = this.props;
      var options = this.options();
      var byValue = {};
      options.forEach(function (o) { byValue[o.value] = o; });
      var slugs = chosenSlugs(props.value);
      var found = suggestions(options, this.state.typed, slugs, 8);
      var full = this.max() > 0 && slugs.length >= this.max() && this.max() !== 1;
      var listId = props.forID + "-vorschlaege";
      var warning = addressWarning(props.entry, options, slugs);
      return h("div", { className: props.classNameWrapper + " soists-kommune" },
        slugs.length ? h("ul", { className: "soists-kommune-gewaehlt", style: { listStyle: "none", padding: 0, margin: "0 0 .5rem", display: "flex", flexWrap: "wrap", gap: ".4rem" } },
          slugs.map(function (slug) {
            var o = byValue[slug] || { label: slug, district: "unbekannt" };
            return h("li", { key: slug, "data-slug": slug, style: { background: "#eef2f7", borderRadius: "3px", padding: ".2rem .5rem" } },
              o.label, " ", h("small", { style: { color: "#5b6572" } }, "(" + o.district + ")"), " ",
              h("button", { type: "button", "aria-label": o.label + " entfernen", onClick: function () { self.remove(slug); },
                style: { border: 0, background: "none", cursor: "pointer", fontSize: "1rem" } }, "×"));
          })) : null,
        full ? null : h("input", {
          id: props.forID, type: "text", role: "combobox", autoComplete: "off",
          "aria-autocomplete": "list", "aria-expanded": found.length > 0, "aria-controls": listId,
          placeholder: slugs.length && this.max() !== 1 ? "Weitere Kommune eingeben …" : "Namen der Kommune eingeben …",
          value: this.state.typed,
          onChange: function (e) { self.setState({ typed: e.target.value, active: 0 }); },
          onKeyDown: function (e) { self.onKeyDown(e, found); },
          onFocus: props.setActiveStyle, onBlur: props.setInactiveStyle,
          style: { width: "100%", border: 0, outline: "none", font: "inherit", background: "transparent" }
        }),
        warning ? h("p", { role: "alert", className: "soists-adresse-warnung",
          style: { margin: ".4rem 0 0", padding: ".4rem .6rem", background: "#fff4d6", borderLeft: "4px solid #c98a00" } },
          warning) : null,
        this.state.typed.trim() && !found.length ? h("p", { role: "status", style: { margin: ".4rem 0 0" } },
          "Keine Kommune der Region heißt so.") : null,
        found.length ? h("ul", { id: listId, role: "listbox", "aria-label": "Vorschläge",
          style: { listStyle: "none", margin: ".3rem 0 0", padding: 0, border: "1px solid #dfdfe3", borderRadius: "3px" } },
          found.map(function (o, index) {
            return h("li", { key: o.value, role: "option", "aria-selected": index === self.state.active,
              "data-slug": o.value,
              onMouseDown: function (e) { e.preventDefault(); self.pick(o); },
              style: { padding: ".45rem .6rem", cursor: "pointer", background: index === self.state.active ? "#e8f0fe" : "#fff" } },
              o.label, " ", h("span", { style: { color: "#5b6572" } }, "– " + o.district));
          })) : null);
    }
  });

  var MunicipalityPreview = createClass({
    render: function () {
      var options = plain(this.props.field.get("options")) || [];
      var names = chosenSlugs(this.props.value).map(function (slug) {
        var o = options.filter(function (x) { return x.value === slug; })[0];
        return o ? o.label + " (" + o.district + ")" : slug;
      });
      return h("p", {}, names.join(", "));
    }
  });

  // ---- date with an optional time: German typing (TT.MM.JJJJ, HH:MM) or a month calendar ----
  // Stored as the events plugin reads it: "YYYY-MM-DD" (all day) or "YYYY-MM-DD HH:MM". What
  // cannot be read is stored as typed, so the field's pattern shows the error instead of
  // silently dropping a time.
  var STORED = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?/;
  var MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember"];
  var WEEKDAYS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];

  function splitMoment(value) {
    var match = STORED.exec(String(plain(value) || "").trim());
    if (!match) return { date: "", time: "" };
    return { date: match[1], time: match[2] ? pad(Number(match[2])) + ":" + match[3] : "" };
  }

  function germanDay(iso) {
    var d = String(iso || "").split("-");
    return d.length === 3 ? d[2] + "." + d[1] + "." + d[0] : "";
  }

  function isoDay(text) { // "12.12.2026", "1.2.26" → "2026-12-12"; "" when it is no date
    var m = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})\s*$/.exec(String(text || ""));
    if (!m) return "";
    var year = Number(m[3].length === 2 ? "20" + m[3] : m[3]), month = Number(m[2]), day = Number(m[1]);
    var check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return "";
    return year + "-" + pad(month) + "-" + pad(day);
  }

  function isoTime(text) { // "14", "14:00", "14.00", "1400", "14 Uhr" → "14:00"
    var m = /^\s*(\d{1,2})(?:[:.]?(\d{2}))?\s*(uhr)?\s*$/i.exec(String(text || ""));
    if (!m || Number(m[1]) > 23 || Number(m[2] || 0) > 59) return "";
    return pad(Number(m[1])) + ":" + (m[2] || "00");
  }

  function monthDays(year, month) { // month 0-11 → [null…, 1, 2, …] starting on Monday
    var first = (new Date(Date.UTC(year, month, 1)).getUTCDay() + 6) % 7;
    var count = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    var cells = [];
    for (var i = 0; i < first; i++) cells.push(null);
    for (var d = 1; d <= count; d++) cells.push(d);
    return cells;
  }

  var MomentControl = createClass({
    getInitialState: function () {
      var parts = splitMoment(this.props.value);
      var shown = (parts.date || stuttgartNow()).split("-");
      return { dayText: germanDay(parts.date), timeText: parts.time, open: false,
        year: Number(shown[0]), month: Number(shown[1]) - 1 };
    },
    emit: function (dayText, timeText) {
      this.setState({ dayText: dayText, timeText: timeText });
      var day = isoDay(dayText), time = isoTime(timeText);
      var value;
      if (!dayText.trim() && !timeText.trim()) value = "";
      else if (!day) value = dayText.trim() + (timeText.trim() ? " " + timeText.trim() : "");
      else if (timeText.trim() && !time) value = day + " " + timeText.trim();
      else value = day + (time ? " " + time : "");
      this.props.onChange(value);
    },
    pickDay: function (day) {
      this.emit(pad(day) + "." + pad(this.state.month + 1) + "." + this.state.year, this.state.timeText);
      this.setState({ open: false });
    },
    turn: function (step) {
      var month = this.state.month + step, year = this.state.year;
      if (month < 0) { month = 11; year--; } else if (month > 11) { month = 0; year++; }
      this.setState({ month: month, year: year });
    },
    calendar: function () {
      var self = this, state = this.state;
      var chosen = isoDay(state.dayText);
      var button = { font: "inherit", border: "1px solid #dfdfe3", borderRadius: "3px", background: "#fff", cursor: "pointer", padding: ".3rem .5rem" };
      var cells = monthDays(state.year, state.month).map(function (day, index) {
        if (day === null) return h("span", { key: "x" + index });
        var iso = state.year + "-" + pad(state.month + 1) + "-" + pad(day);
        return h("button", { key: iso, type: "button", "aria-label": day + ". " + MONTHS[state.month] + " " + state.year,
          "aria-pressed": iso === chosen, onClick: function () { self.pickDay(day); },
          style: { font: "inherit", border: 0, borderRadius: "3px", padding: ".35rem 0", cursor: "pointer",
            background: iso === chosen ? "#3a69c7" : "#f4f5f7", color: iso === chosen ? "#fff" : "inherit" } }, String(day));
      });
      return h("div", { role: "group", "aria-label": "Kalender", className: "soists-kalender",
        style: { flexBasis: "100%", maxWidth: "20rem", border: "1px solid #dfdfe3", borderRadius: "3px", padding: ".5rem", background: "#fff" } },
        h("div", { style: { display: "flex", justifyContent: "space-between", alignItems: "center", marginBottom: ".4rem" } },
          h("button", { type: "button", "aria-label": "Vorheriger Monat", onClick: function () { self.turn(-1); }, style: button }, "‹"),
          h("strong", { "aria-live": "polite" }, MONTHS[state.month] + " " + state.year),
          h("button", { type: "button", "aria-label": "Nächster Monat", onClick: function () { self.turn(1); }, style: button }, "›")),
        h("div", { style: { display: "grid", gridTemplateColumns: "repeat(7, 1fr)", gap: "2px", textAlign: "center" } },
          WEEKDAYS.map(function (w) { return h("small", { key: w, "aria-hidden": "true" }, w); }), cells));
    },
    render: function () {
      var self = this;
      var props = this.props, state = this.state;
      var withTime = props.field.get("time") !== false;
      var box = { font: "inherit", padding: ".35rem .4rem", border: "1px solid #dfdfe3", borderRadius: "3px", background: "#fff" };
      var label = { display: "flex", flexDirection: "column", fontSize: ".85rem", gap: ".2rem" };
      return h("div", { className: props.classNameWrapper + " soists-zeitpunkt",
        style: { display: "flex", flexWrap: "wrap", gap: ".75rem", alignItems: "end" } },
        h("label", { style: label }, "Datum (TT.MM.JJJJ)",
          h("input", { id: props.forID, type: "text", inputMode: "numeric", placeholder: "TT.MM.JJJJ", autoComplete: "off",
            value: state.dayText, size: 11, style: box,
            onChange: function (e) { self.emit(e.target.value, state.timeText); },
            onFocus: props.setActiveStyle, onBlur: props.setInactiveStyle })),
        h("button", { type: "button", "aria-expanded": state.open, onClick: function () { self.setState({ open: !state.open }); },
          style: Object.assign({}, box, { cursor: "pointer" }) }, state.open ? "Kalender schließen" : "Kalender"),
        withTime ? h("label", { style: label }, "Uhrzeit (HH:MM, leer: ganztägig)",
          h("input", { id: props.forID + "-uhrzeit", type: "text", inputMode: "numeric", placeholder: "HH:MM", autoComplete: "off",
            value: state.timeText, size: 6, style: box,
            onChange: function (e) { self.emit(state.dayText, e.target.value); },
            onFocus: props.setActiveStyle, onBlur: props.setInactiveStyle })) : null,
        state.open ? this.calendar() : null);
    }
  });

  var MomentPreview = createClass({
    render: function () {
      var parts = splitMoment(this.props.value);
      if (!parts.date) return h("p", {}, "");
      var d = parts.date.split("-");
      return h("p", {}, d[2] + "." + d[1] + "." + d[0] + (parts.time ? ", " + parts.time + " Uhr" : " (ganztägig)"));
    }
  });

  // ---- recurrence as plain fields, stored as the RRULE plugins/events reads ---------------
  // keine / wöchentlich (alle n Wochen) / monatlich am n-ten Wochentag; Ende: bis (Datum) oder
  // Anzahl. A rule these fields cannot express stays as written (shown, editable as text).
  var DAYS = [["MO", "Montag"], ["TU", "Dienstag"], ["WE", "Mittwoch"], ["TH", "Donnerstag"], ["FR", "Freitag"],
    ["SA", "Samstag"], ["SU", "Sonntag"]];
  var NTH = [["1", "ersten"], ["2", "zweiten"], ["3", "dritten"], ["4", "vierten"], ["-1", "letzten"]];

  function parseRule(text) {
    text = String(plain(text) || "").trim();
    if (!text) return { kind: "keine", interval: "1", nth: "1", day: "MO", end: "bis", until: "", count: "" };
    var parts = {};
    text.replace(/^RRULE:/i, "").split(";").forEach(function (p) {
      var kv = p.split("=");
      if (kv.length === 2) parts[kv[0].toUpperCase()] = kv[1].toUpperCase();
    });
    var known = Object.keys(parts).every(function (k) { return ["FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT"].indexOf(k) >= 0; });
    var rule = { kind: "andere", raw: text, interval: parts.INTERVAL || "1", nth: "1", day: "MO",
      end: parts.COUNT ? "anzahl" : "bis", count: parts.COUNT || "", until: "" };
    var until = /^(\d{4})(\d{2})(\d{2})/.exec(parts.UNTIL || "");
    if (until) rule.until = until[3] + "." + until[2] + "." + until[1];
    if (!known || (parts.UNTIL && !until) || (!parts.UNTIL && !parts.COUNT)) return rule;
    if (parts.FREQ === "WEEKLY" && !parts.BYDAY) rule.kind = "woechentlich";
    var byday = /^(-?\d)(MO|TU|WE|TH|FR|SA|SU)$/.exec(parts.BYDAY || "");
    if (parts.FREQ === "MONTHLY" && byday && rule.interval === "1") { rule.kind = "monatlich"; rule.nth = byday[1]; rule.day = byday[2]; }
    return rule;
  }

  function ruleText(rule) {
    if (rule.kind === "keine") return "";
    if (rule.kind === "andere") return rule.raw || "";
    var parts = [rule.kind === "woechentlich" ? "FREQ=WEEKLY" : "FREQ=MONTHLY"];
    if (rule.kind === "woechentlich" && Number(rule.interval) > 1) parts.push("INTERVAL=" + Number(rule.interval));
    if (rule.kind === "monatlich") parts.push("BYDAY=" + rule.nth + rule.day);
    if (rule.end === "anzahl") parts.push("COUNT=" + String(rule.count).trim());
    else parts.push("UNTIL=" + (isoDay(rule.until) || rule.until.trim()).replace(/-/g, ""));
    return parts.join(";"); // an unreadable end stays visible: the field's pattern or the build says so
  }

  var RecurrenceControl = createClass({
    getInitialState: function () { return parseRule(this.props.value); },
    change: function (key, value) {
      var next = {};
      Object.keys(this.state).forEach(function (k) { next[k] = this.state[k]; }, this);
      next[key] = value;
      this.setState(next);
      this.props.onChange(ruleText(next));
    },
    render: function () {
      var self = this, props = this.props, rule = this.state;
      var box = { font: "inherit", padding: ".35rem .4rem", border: "1px solid #dfdfe3", borderRadius: "3px", background: "#fff" };
      var label = { display: "flex", flexDirection: "column", fontSize: ".85rem", gap: ".2rem" };
      function select(key, name, options) {
        return h("label", { style: label }, name, h("select", { value: rule[key], style: box,
          id: key === "kind" ? props.forID : props.forID + "-" + key,
          onChange: function (e) { self.change(key, e.target.value); } },
          options.map(function (o) { return h("option", { key: o[0], value: o[0] }, o[1]); })));
      }
      function input(key, name, placeholder, size) {
        return h("label", { style: label }, name, h("input", { type: "text", value: rule[key], placeholder: placeholder,
          size: size, style: box, id: props.forID + "-" + key, autoComplete: "off",
          onChange: function (e) { self.change(key, e.target.value); } }));
      }
      var kinds = [["keine", "keine"], ["woechentlich", "wöchentlich"], ["monatlich", "monatlich am n-ten Wochentag"]];
      if (rule.kind === "andere") kinds.push(["andere", "andere Regel (wie geschrieben)"]);
      var row = { display: "flex", flexWrap: "wrap", gap: ".75rem", alignItems: "end" };
      return h("div", { className: props.classNameWrapper + " soists-wiederholung", style: { display: "grid", gap: ".6rem" } },
        h("div", { style: row }, select("kind", "Wiederholung", kinds),
          rule.kind === "woechentlich" ? input("interval", "alle … Wochen", "1", 3) : null,
          rule.kind === "monatlich" ? select("nth", "am", NTH) : null,
          rule.kind === "monatlich" ? select("day", "Wochentag", DAYS) : null),
        rule.kind === "woechentlich" || rule.kind === "monatlich" ? h("div", { style: row },
          select("end", "Ende", [["bis", "bis (Datum)"], ["anzahl", "nach einer Anzahl"]]),
          rule.end === "bis" ? input("until", "bis (TT.MM.JJJJ)", "TT.MM.JJJJ", 11) : input("count", "Anzahl", "6", 4)) : null,
        rule.kind === "andere" ? input("raw", "Regel (RRULE)", "FREQ=…", 40) : null);
    }
  });

  // ---- fields the system keeps: uid, revision, Geändert am, Ganztägig ---------------------
  var SCHEDULE_FIELDS = ["start", "end", "duration", "location", "address", "status", "rrule", "exdate"];

  function scheduleOf(get) {
    return SCHEDULE_FIELDS.map(function (name) { return String(plain(get(name)) || "").trim(); }).join("\n");
  }

  function newUid(data) {
    var start = String(data.get("start") || "");
    var stem = slugify(data.get("slug") || data.get("title") || "termin") || "termin";
    var random = Math.random().toString(36).slice(2, 8);
    return (/^\d{4}/.test(start) ? start.slice(0, 4) + "-" : "") + stem + "-" + random + "@" + UID_DOMAIN;
  }

  // A save that changes date, time, place or status raises the revision (ICS SEQUENCE) once
  // and sets "modified"; compared with the file as it was opened (the entry's raw text).
  function keepEventFields(entry) {
    var data = entry.get("data");
    if (!data.get("uid")) {
      return data.set("uid", newUid(data)); // made once; an existing uid is never touched
    }
    var raw = entry.get("raw");
    if (raw && window.soistsFormat) {
      var before = window.soistsFormat.fromFile(raw);
      var changed = scheduleOf(function (k) { return before[k]; }) !== scheduleOf(function (k) { return data.get(k); });
      if (changed && before.uid) {
        data = data.set("sequence", String((parseInt(before.sequence, 10) || 0) + 1)).set("modified", stuttgartNow());
      }
    }
    if (data.get("allday")) { // a hand-written counter-check stays consistent with the start
      data = data.set("allday", /\d:\d\d$/.test(String(data.get("start") || "")) ? "nein" : "ja");
    }
    return data;
  }

  CMS.registerWidget("kommune", MunicipalityControl, MunicipalityPreview);
  CMS.registerWidget("zeitpunkt", MomentControl, MomentPreview);
  CMS.registerWidget("wiederholung", RecurrenceControl, function (props) { return h("p", {}, String(props.value || "")); });
  CMS.registerEventListener({
    name: "preSave",
    handler: function (args) {
      var entry = args.entry;
      if (entry.get("collection") !== "termine") return entry.get("data");
      return keepEventFields(entry);
    }
  });

  // ---- the preview as the site shows it: site.css (registerPreviewStyle) and the markup of
  // theme/templates/events/event.html and article.html, not a list of fields -------------------
  function optionsOf(collection, name) {
    var found = (plain(collection.get("fields")) || []).filter(function (f) { return f.name === name; })[0];
    return (found && found.options) || [];
  }

  function momentLabel(value) {
    var parts = splitMoment(value);
    if (!parts.date) return "";
    var d = parts.date.split("-");
    return Number(d[2]) + ". " + MONTHS[Number(d[1]) - 1] + " " + d[0] + (parts.time ? ", " + parts.time + " Uhr" : "");
  }

  var EventPreview = createClass({
    render: function () {
      var props = this.props, data = props.entry.get("data");
      var text = function (k) { return String(plain(data.get(k)) || ""); };
      var category = optionsOf(props.collection, "category").filter(function (o) { return o.value === text("category"); })[0];
      var places = optionsOf(props.collection, "municipality");
      var chosen = chosenSlugs(data.get("municipality")).map(function (slug) {
        var o = places.filter(function (x) { return x.value === slug; })[0];
        return o ? o.label : slug;
      });
      var address = /^([^,]+),\s*(\d{4,5})\s+(.+)$/.exec(text("address")) || [null, text("address"), "", ""];
      var when = momentLabel(text("start"));
      var end = splitMoment(text("end"));
      if (end.time && end.date === splitMoment(text("start")).date) when = when.replace(/ Uhr$/, "–" + end.time + " Uhr");
      var status = text("status") || "geplant";
      return h("main", {}, h("article", { className: "event-page" + (status !== "geplant" ? " event-page--" + status : "") },
        h("p", { className: "event-page__category" }, h("a", {}, category ? category.label : "")),
        h("h1", {}, text("title")),
        status === "abgesagt" ? h("p", { className: "event-notice", role: "note" }, h("strong", {}, "Abgesagt:"), " Diese Veranstaltung findet nicht statt.") : null,
        status === "verschoben" ? h("p", { className: "event-notice", role: "note" }, h("strong", {}, "Verschoben:"), " Der neue Termin wird hier bekannt gegeben.") : null,
        h("dl", { className: "event-facts" },
          h("dt", {}, "Wann"), h("dd", {}, h("time", {}, when),
            text("rrule") ? [h("br", { key: "b" }), h("span", { key: "n", className: "event-facts__note" }, "Regelmäßiger Termin – alle Daten unten")] : null),
          h("dt", {}, "Wo"), h("dd", {}, h("address", {}, text("location"), h("br"), address[1], h("br"), address[2] + " " + address[3])),
          chosen.length ? h("dt", {}, "Kommune") : null, chosen.length ? h("dd", {}, chosen.join(", ")) : null,
          h("dt", {}, "Veranstalter"), h("dd", {}, text("organizer") || "Wirtschaftsförderung Region Stuttgart GmbH")),
        h("p", { className: "event-calendar-link" }, h("a", { className: "button" }, "In meinen Kalender eintragen")),
        h("div", { className: "prose" }, props.widgetFor("body"))));
    }
  });

  var ArticlePreview = createClass({
    render: function () {
      var props = this.props, data = props.entry.get("data");
      var image = data.get("image") ? props.getAsset(data.get("image")) : null;
      return h("main", {}, h("article", {},
        h("header", { className: "article-header" },
          h("p", { className: "hero__kicker" }, h("a", {}, String(data.get("category") || ""))),
          h("h1", {}, String(data.get("title") || "")),
          h("p", { className: "muted" }, h("time", {}, momentLabel(data.get("date")).replace(/, \d\d:\d\d Uhr$/, "")))),
        image ? h("figure", { className: "article-figure" }, h("img", { src: image.toString(), alt: String(data.get("alt") || "") })) : null,
        h("div", { className: "prose" }, props.widgetFor("body"))));
    }
  });

  CMS.registerPreviewStyle("site.css"); // theme/static/css/site.css, copied beside the editor
  CMS.registerPreviewTemplate("termine", EventPreview);
  CMS.registerPreviewTemplate("artikel", ArticlePreview);
  CMS.registerPreviewTemplate("menschen", ArticlePreview);

  // ---- German phrases over Decap's own (sentence case, the project's wording) ---------------
  var PHRASES = {
    ui: { toast: {
      missingRequiredField: "Noch nicht gespeichert: Bitte die rot markierten Felder ausfüllen oder berichtigen.",
      entrySaved: "Beitrag gespeichert"
    } },
    editor: {
      editorControl: { field: { optional: "freiwillig" } },
      editorControlPane: { widget: {
        required: "%{fieldLabel}: Bitte ausfüllen.",
        regexPattern: "%{fieldLabel}: %{pattern}."
      } },
      editorToolbar: {
        backCollection: "Zurück zur Übersicht",
        unsavedChanges: "Nicht gespeicherte Änderungen",
        changesSaved: "Nichts Ungespeichertes"
      }
    },
    workflow: { workflow: { dateFormat: "DD.MM.YYYY" } } // the board's dates: 06.12.2026, not "December 6"
  };

  function merged(base, over) {
    var out = {};
    Object.keys(base || {}).forEach(function (k) { out[k] = base[k]; });
    Object.keys(over).forEach(function (k) {
      out[k] = over[k] && typeof over[k] === "object" ? merged(out[k], over[k]) : over[k];
    });
    return out;
  }

  CMS.registerLocale("de", merged(CMS.getLocale("de"), PHRASES));

  window.soistsEditor = { parseRule: parseRule, ruleText: ruleText, suggestions: suggestions, newUid: newUid, slugify: slugify }; // for the tests
})();

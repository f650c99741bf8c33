// Progressive enhancement: the timeline filter. Every page works without this script;
// the filter only hides entries already on the page and keeps its state in the URL.
(function () {
  "use strict";
  var form = document.querySelector("form.timeline-filter");
  if (!form) return;
  var FIELDS = ["kind", "type", "tag", "entity"];
  var entries = Array.prototype.slice.call(document.querySelectorAll(".timeline-entry"));
  var years = Array.prototype.slice.call(document.querySelectorAll(".timeline-year"));
  var status = form.querySelector(".filter-status");
  var empty = document.querySelector(".filter-empty");
  var jumps = Array.prototype.slice.call(document.querySelectorAll('.year-jump a[href^="#year-"]'));
  // A split timeline: links to its other pages carry the filter, so the reader pages through matches.
  var kept = Array.prototype.slice.call(document.querySelectorAll("a[data-keep-query]"));
  kept.forEach(function (a) { a.dataset.base = a.getAttribute("href"); });

  function carry() {
    kept.forEach(function (a) {
      var base = a.dataset.base, at = base.indexOf("#"), hash = at >= 0 ? base.slice(at) : "";
      a.setAttribute("href", (at >= 0 ? base.slice(0, at) : base) + window.location.search + hash);
    });
  }

  function has(list, word) { return (" " + (list || "") + " ").indexOf(" " + word + " ") >= 0; }

  function choose(select, value) {
    // A value the page does not offer (an old or mistyped link) is kept, so the URL stays honest.
    if (value && !Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
      var option = document.createElement("option");
      option.value = option.textContent = value;
      select.appendChild(option);
    }
    select.value = value;
  }

  function read() {
    var params = new URLSearchParams(window.location.search);
    FIELDS.forEach(function (k) { choose(form.elements[k], params.get(k) || ""); });
  }

  function apply() {
    var v = {}, shown = 0;
    FIELDS.forEach(function (k) { v[k] = form.elements[k].value; });
    entries.forEach(function (li) {
      var ok = (!v.kind || li.dataset.kind === v.kind) &&
        (!v.type || has(li.dataset.types, v.type)) &&
        (!v.tag || has(li.dataset.tags, v.tag)) &&
        (!v.entity || has(li.dataset.entities, v.entity));
      li.hidden = !ok;
      if (ok) shown++;
    });
    years.forEach(function (section) {
      section.hidden = !section.querySelector(".timeline-entry:not([hidden])");
    });
    jumps.forEach(function (a) {
      var section = document.getElementById(a.getAttribute("href").slice(1));
      a.parentNode.hidden = !section || section.hidden;
    });
    if (empty) empty.hidden = shown > 0;
    status.textContent = status.dataset.template.replace("{shown}", shown).replace("{total}", entries.length);
  }

  function save() {
    var params = new URLSearchParams();
    FIELDS.forEach(function (k) { if (form.elements[k].value) params.set(k, form.elements[k].value); });
    var query = params.toString();
    history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    carry();
  }

  form.addEventListener("change", function () { apply(); save(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("reset", function (e) {
    e.preventDefault();
    FIELDS.forEach(function (k) { form.elements[k].value = ""; });
    apply(); save();
  });
  read();
  apply();
  carry();
  form.hidden = false;
  var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (target && !target.hidden) target.scrollIntoView();
})();

// Search: static/search.js (and Pagefind's index) load only when the header's box is first
// focused or on the search page; until then the box is a plain form to /L/search/.
(function () {
  "use strict";
  var box = document.querySelector("form.site-search");
  if (!box || !("noModule" in HTMLScriptElement.prototype)) return;
  var page = document.querySelector("form.search-form"), loaded = null;
  function load(then) {
    loaded = loaded || import(new URL(box.dataset.root + "static/search.js", document.baseURI).href);
    loaded.then(then, function () { box.classList.add("search-failed"); });
  }
  if (page) load(function (m) { m.page(page, box); });
  box.elements.q.addEventListener("focus", function () { load(function (m) { m.header(box); }); }, { once: true });
})();

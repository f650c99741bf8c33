// Progressive enhancement: the timeline filter. Every page works without this script.
(function () {
  var form = document.querySelector("form.timeline-filter");
  if (!form) return;
  var entries = Array.prototype.slice.call(document.querySelectorAll(".timeline-entry"));
  var years = Array.prototype.slice.call(document.querySelectorAll(".timeline-year"));
  var status = form.querySelector(".filter-status");
  var entityBox = form.querySelector(".filter-entity");
  form.hidden = false;

  function read() {
    var params = new URLSearchParams(window.location.search);
    form.type.value = params.get("type") || "";
    form.tag.value = params.get("tag") || "";
    form.entity.value = params.get("entity") || "";
  }

  function apply() {
    var type = form.type.value, tag = form.tag.value, entity = form.entity.value, shown = 0;
    entries.forEach(function (li) {
      var ok = true;
      if (type === "event" || type === "story") ok = li.dataset.kind === type;
      else if (type) ok = (" " + li.dataset.types + " ").indexOf(" " + type + " ") >= 0;
      if (ok && tag) ok = (" " + li.dataset.tags + " ").indexOf(" " + tag + " ") >= 0;
      if (ok && entity) ok = (" " + li.dataset.entities + " ").indexOf(" " + entity + " ") >= 0;
      li.hidden = !ok;
      if (ok) shown++;
    });
    years.forEach(function (section) {
      section.hidden = !section.querySelector(".timeline-entry:not([hidden])");
    });
    if (entity) {
      var link = document.querySelector('.timeline-entry a[href*="/' + entity + '/"]');
      entityBox.querySelector(".filter-entity-name").textContent = link ? link.textContent : entity;
    }
    entityBox.hidden = !entity;
    status.textContent = shown + " / " + entries.length;
  }

  function save() {
    var params = new URLSearchParams();
    ["type", "tag", "entity"].forEach(function (k) { if (form[k].value) params.set(k, form[k].value); });
    var query = params.toString();
    history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }

  form.addEventListener("change", function () { apply(); save(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.querySelector(".filter-clear").addEventListener("click", function () {
    form.entity.value = ""; apply(); save();
  });
  read();
  apply();
})();

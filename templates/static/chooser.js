// Sends a browser to the language it prefers; the page's links work without this script.
(function () {
  var prefs = navigator.languages || [navigator.language || ""];
  for (var i = 0; i < prefs.length; i++) {
    var code = String(prefs[i]).toLowerCase().split("-")[0];
    var link = document.querySelector('a[data-lang="' + code + '"]');
    if (link) { window.location.replace(link.href); return; }
  }
})();

// Search on Pagefind's JS API, loaded by site.js when a reader starts to search. Results:
// the entities whose name is the query or in it (pagefind/names.*: Pagefind's browser-side
// segmentation can split a Chinese name, CloudCannon/pagefind#1237), then Pagefind's.
// Every string comes from the page (the catalogs).
let engine = null;
const namesFiles = {}, NAME_BUCKETS = 32; // as search.py's name_bucket

function absolute(form, path) { return new URL(form.dataset.root + path, document.baseURI).href; }

// Shards (pagefind/shards.json: all but the first, pagefind/ itself) merge into the first.
function pagefind(form) {
  engine = engine || Promise.all([
    import(absolute(form, "pagefind/pagefind.js")),
    fetch(absolute(form, "pagefind/shards.json")).then((r) => (r.ok ? r.json() : [])).catch(() => []),
  ]).then(async ([pf, shards]) => {
    const options = { excerptLength: 26 };
    await pf.options(options);
    await pf.init();
    // A path from the site's root, as Pagefind derives the first's from its import.
    await Promise.all(shards.map((dir) => pf.mergeIndex(new URL(absolute(form, "pagefind/" + dir)).pathname, options)));
    return pf;
  });
  return engine;
}

// The names files of a query's first letters; of every character if Chinese ("谁是李在明").
function buckets(query) {
  const text = query.normalize("NFKC").toLowerCase();
  const chars = HAN.test(text) ? [...text] : words(query).trim().split(" ").map((w) => [...w][0]);
  const found = new Set();
  for (const c of chars) if (c && /[\p{L}\p{N}]/u.test(c)) found.add(c.codePointAt(0) % NAME_BUCKETS);
  return [...found];
}

function names(form, query) {
  const lang = form.dataset.lang;
  return Promise.all(buckets(query).map((n) => {
    const key = lang + "." + n;
    namesFiles[key] = namesFiles[key] || fetch(absolute(form, "pagefind/names." + key + ".json"))
      .then((r) => (r.ok ? r.json() : [])).catch(() => []);
    return namesFiles[key];
  })).then((lists) => {
    const seen = new Set();
    return lists.flat().filter(([url]) => !seen.has(url) && seen.add(url));
  });
}

// Case, width, spaces and name punctuation do not matter: "Lee Jae-myung" = "lee jaemyung".
function fold(text) { return text.normalize("NFKC").toLowerCase().replace(/[\s\-‐·・.,'’"“”()（）]+/g, ""); }
const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;
function words(text) { return " " + text.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ") + " "; }

function nameMatches(list, query, filters) {
  if (filters.tag || filters.year || (filters.kind && filters.kind === "story")) return [];
  const q = fold(query), qWords = words(query), found = [];
  if (!q) return found;
  for (const [url, title, kind, all] of list) {
    if (filters.kind && filters.kind !== kind) continue;
    let best = 0;
    for (const name of all) {
      const n = fold(name);
      if (!n) continue;
      if (n === q) best = Math.max(best, 100 + n.length);
      else if (HAN.test(n) ? n.length >= 2 && q.includes(n) : n.length >= 3 && qWords.includes(words(name)))
        best = Math.max(best, 50 + n.length);
      else if (q.length >= (HAN.test(q) ? 2 : 3) && n.startsWith(q)) best = Math.max(best, 10 - n.length / 100);
    }
    if (best) found.push({ score: best, url, title, kind, names: all });
  }
  found.sort((a, b) => b.score - a.score || a.title.localeCompare(b.title));
  const strong = found.filter((f) => f.score >= 50);
  return (strong.length ? strong : found).slice(0, 3);
}

// Pagefind's excerpt is HTML with <mark>: only its text and marks are kept.
function excerpt(html) {
  const out = document.createDocumentFragment();
  for (const node of new DOMParser().parseFromString(html, "text/html").body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.append(mark);
    } else out.append(node.textContent);
  }
  return out;
}

function highlighted(text, query) {
  const out = document.createDocumentFragment(), i = text.toLowerCase().indexOf(query.trim().toLowerCase());
  if (!query.trim() || i < 0) { out.append(text); return out; }
  const mark = document.createElement("mark");
  mark.textContent = text.slice(i, i + query.trim().length);
  out.append(text.slice(0, i), mark, text.slice(i + query.trim().length));
  return out;
}

// One search: [{url, title, kind, date, snippet}], names first; `more()` gives the next ones.
async function search(form, query, filters, size) {
  const [pf, list] = await Promise.all([pagefind(form), names(form, query)]);
  const picked = {};
  for (const [key, value] of Object.entries(filters)) if (value) picked[key] = value;
  const direct = nameMatches(list, query, picked).map((m) => ({
    url: absolute(form, m.url), title: m.title, kind: m.kind, date: "",
    snippet: highlighted(m.names.join(" · "), query),
  }));
  const response = await pf.search(query, { filters: picked });
  const seen = new Set(direct.map((d) => d.url));
  const rest = response ? response.results : [];
  let at = 0, repeated = 0;
  async function more() {
    const batch = [];
    while (batch.length < size && at < rest.length) {
      const chunk = await Promise.all(rest.slice(at, at + size).map((r) => r.data()));
      at += size;
      for (const d of chunk) {
        const url = absolute(form, d.url.replace(/^\//, ""));
        if (seen.has(url)) { repeated++; continue; }
        seen.add(url);
        batch.push({ url, title: d.meta.title, kind: (d.filters.kind || [])[0] || "", date: d.meta.date || "",
          snippet: excerpt(d.excerpt) });
      }
    }
    return { items: batch, done: at >= rest.length };
  }
  const first = await more();
  return { items: direct.concat(first.items), done: first.done, more, total: direct.length + rest.length - repeated };
}

function strings(form) { return JSON.parse(form.dataset.strings); }
function fill(template, values) { return template.replace(/\{(\w+)\}/g, (_, k) => values[k]); }

function resultBody(item, text, tag) {
  const title = document.createElement(tag);
  title.className = "result-title";
  title.textContent = item.title;
  const meta = document.createElement("span");
  meta.className = "result-meta";
  meta.textContent = [text.kinds[item.kind] || "", item.date].filter(Boolean).join(" · ");
  const snippet = document.createElement("span");
  snippet.className = "result-snippet";
  snippet.append(item.snippet);
  return [title, meta, snippet];
}

// The header's box: a combobox whose list shows the first results and a link to the rest.
export function header(form) {
  const input = form.elements.q, popup = form.querySelector(".search-popup"), text = strings(form);
  // A combobox only once this script drives it (the page's HTML is a plain search field).
  for (const [name, value] of [["role", "combobox"], ["aria-autocomplete", "list"], ["aria-expanded", "false"],
    ["aria-controls", popup.id]]) input.setAttribute(name, value);
  let options = [], active = -1, asked = 0, timer = 0;
  function setActive(i) {
    active = i;
    options.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
    if (i >= 0) { input.setAttribute("aria-activedescendant", options[i].id); options[i].scrollIntoView({ block: "nearest" }); }
    else input.removeAttribute("aria-activedescendant");
  }
  function close() { popup.hidden = true; input.setAttribute("aria-expanded", "false"); setActive(-1); }
  function option(href, parts, i) {
    const a = document.createElement("a");
    a.href = href; a.id = "site-search-option-" + i; a.setAttribute("role", "option"); a.tabIndex = -1;
    a.className = "search-option";
    a.append(...parts);
    return a;
  }
  async function run() {
    const query = input.value.trim(), mine = ++asked;
    if (!query) { close(); popup.replaceChildren(); return; }
    let found;
    try { found = await search(form, query, {}, 6); } catch (e) { found = null; }
    if (mine !== asked) return;
    const items = found ? found.items.slice(0, 6) : [];
    options = items.map((item, i) => option(item.url, resultBody(item, text, "span"), i));
    const all = new URL(form.action); all.searchParams.set("q", query);
    const last = found && !items.length ? fill(text.none, { query }) : found ? fill(text.all, { query }) : text.failed;
    const tail = document.createElement("span"); tail.className = "result-title"; tail.textContent = last;
    options.push(option(all.href, [tail], items.length));
    options[options.length - 1].classList.add("search-option-all");
    popup.replaceChildren(...options);
    popup.hidden = false; input.setAttribute("aria-expanded", "true"); setActive(-1);
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 120); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (popup.hidden) { if (input.value.trim()) run(); return; }
      e.preventDefault();
      const n = options.length, next = active + (e.key === "ArrowDown" ? 1 : -1);
      setActive(next >= n ? -1 : next < -1 ? n - 1 : next); // -1: back in the box
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault(); window.location.href = options[active].href;
    } else if (e.key === "Escape" && !popup.hidden) { e.preventDefault(); close(); }
  });
  form.addEventListener("focusout", (e) => { if (!form.contains(e.relatedTarget)) close(); });
  input.addEventListener("focus", () => { if (options.length && input.value.trim()) { popup.hidden = false; input.setAttribute("aria-expanded", "true"); } });
  pagefind(form).catch(() => {}); // start loading while the reader types
  if (input.value.trim()) run();
}

// The search page: results with kind, date and snippet; filters as chips; state in the URL.
export function page(form, box) {
  const input = form.elements.q, text = strings(box), root = form.closest(".search-page");
  const list = root.querySelector(".search-results"), status = root.querySelector(".search-status");
  const chips = root.querySelector(".search-filters"), moreButton = root.querySelector(".search-more");
  root.querySelector(".search-nojs").hidden = true;
  const params = new URLSearchParams(window.location.search);
  const filters = { kind: params.get("kind") || "", tag: params.get("tag") || "", year: params.get("year") || "" };
  input.value = params.get("q") || "";
  let asked = 0, timer = 0, more = null;

  function save() {
    const p = new URLSearchParams();
    if (input.value.trim()) p.set("q", input.value.trim());
    for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
    const query = p.toString();
    history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }
  function show(items) {
    for (const item of items) {
      const li = document.createElement("li"), a = document.createElement("a");
      li.className = "search-result result-" + item.kind;
      a.href = item.url;
      const [title, meta, snippet] = resultBody(item, text, "span");
      a.append(title);
      const p = document.createElement("p"); p.append(snippet);
      li.append(a, " ", meta, p);
      list.append(li);
    }
  }
  async function run() {
    const query = input.value.trim(), mine = ++asked;
    save();
    if (!query) { list.replaceChildren(); status.textContent = ""; moreButton.hidden = true; return; }
    status.textContent = text.loading;
    let found;
    try { found = await search(box, query, filters, 20); } catch (e) { found = null; }
    if (mine !== asked) return;
    list.replaceChildren();
    if (!found) { status.textContent = text.failed; moreButton.hidden = true; return; }
    const n = found.total;
    status.textContent = n === 0 ? fill(text.none, { query }) : n === 1 ? text.one : fill(text.many, { count: n.toLocaleString(document.documentElement.lang) });
    show(found.items);
    more = found.more; moreButton.hidden = found.done;
  }
  moreButton.addEventListener("click", async () => {
    const mine = asked, next = await more();
    if (mine !== asked) return;
    const first = list.children.length;
    show(next.items); moreButton.hidden = next.done;
    if (list.children[first]) list.children[first].querySelector("a").focus();
  });

  async function drawChips() {
    const pf = await pagefind(box), available = await pf.filters();
    chips.replaceChildren();
    for (const key of ["kind", "tag", "year"]) {
      let values = Object.keys(available[key] || {});
      if (!values.length) continue;
      values = key === "year" ? values.sort().reverse() : key === "kind" ? ["story", "person", "org", "place"].filter((v) => values.includes(v)) : values.sort((a, b) => a.localeCompare(b));
      const group = document.createElement("div"); group.className = "chip-group"; group.setAttribute("role", "group");
      const label = document.createElement("span"); label.className = "chip-label"; label.id = "chips-" + key;
      label.textContent = text.filters[key]; group.setAttribute("aria-labelledby", label.id);
      group.append(label);
      for (const value of values) {
        const chip = document.createElement("button");
        chip.type = "button"; chip.className = "chip";
        chip.textContent = key === "kind" ? text.kinds[value] || value : value;
        chip.setAttribute("aria-pressed", String(filters[key] === value));
        chip.addEventListener("click", () => {
          filters[key] = filters[key] === value ? "" : value;
          for (const other of group.querySelectorAll(".chip")) other.setAttribute("aria-pressed", String(other === chip && filters[key] === value));
          run();
        });
        group.append(chip);
      }
      chips.append(group);
    }
    chips.hidden = !chips.children.length;
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(timer); run(); });
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  // Arrows move between the results (and back to the box); Tab works as everywhere.
  root.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const links = [...list.querySelectorAll(".search-result > a")], at = links.indexOf(document.activeElement);
    if (document.activeElement !== input && at < 0) return;
    e.preventDefault();
    const next = e.key === "ArrowDown" ? (at < 0 ? 0 : Math.min(at + 1, links.length - 1)) : at - 1;
    (next < 0 ? input : links[next] || input).focus();
  });
  drawChips().catch(() => {});
  if (input.value.trim()) run(); else input.focus();
}

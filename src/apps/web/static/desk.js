// proofdesk web desk: keys, grid, loupe, editor with the live proof, publish (ADR 0024).
// Text from the queue is model output: it is only ever set with textContent, never as HTML.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const grid = document.getElementById("grid");
  const loupe = document.getElementById("loupe");
  const loupeImg = document.querySelector("img[data-loupe]");
  const compareImg = document.querySelector("img[data-compare]");
  const form = document.getElementById("edit-form");
  const message = document.getElementById("message");
  let allCells = Array.from(grid.querySelectorAll(".cell"));  // every queue row, in order (never virtual)
  const cells = () => allCells;
  let shownCells = [];  // the cells layout() left visible, in order
  const visible = () => shownCells;
  let selected = null;
  let detail = null;  // the selected row as the API gave it
  let proofTimer = null;
  let edited = false;  // the editor was typed in since this row was selected
  let zoomed = false;
  let comparing = false;
  let expanded = new Set();  // scenes whose frames are shown
  const filters = {};

  function say(text, error) {
    message.textContent = text || "";
    message.classList.toggle("error", !!error);
  }

  async function call(method, url, body) {
    const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf;
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(url, options);
    let data = {};
    try { data = await response.json(); } catch (e) { data = { error: response.statusText }; }
    return { status: response.status, data };
  }

  // ---------------------------------------------------------------- grid

  function matches(cell) {
    for (const [name, value] of Object.entries(filters)) {
      if (!value) continue;
      const have = name === "scene" ? cell.dataset.scene : cell.dataset[name];
      if (have !== value) return false;
    }
    return true;
  }

  function layout() {
    const seen = new Set();
    const frames = new Map();  // scene -> its number of frames, counted once (not once per cell)
    for (const cell of allCells) {
      const scene = cell.dataset.scene;
      if (scene) frames.set(scene, (frames.get(scene) || 0) + 1);
    }
    const shownNow = [];
    const anyFilter = Object.values(filters).some((v) => v);
    for (const cell of allCells) {
      const scene = cell.dataset.scene;
      const first = !scene || !seen.has(scene);
      if (scene) seen.add(scene);
      const isFrame = !first;
      cell.classList.toggle("frame", isFrame);
      let show = matches(cell);
      if (show && isFrame && !anyFilter && !expanded.has(scene)) show = false;
      if (cell.hidden === show) cell.hidden = !show;
      if (show) shownNow.push(cell);
      const count = scene ? frames.get(scene) : 1;
      const wantButton = !!(first && scene && count > 1);
      const button = cell.querySelector("button.frames");
      if (button.hidden === wantButton) button.hidden = !wantButton;
      if (wantButton) button.textContent = expanded.has(scene) ? "hide frames" : "+" + (count - 1) + " frame(s)";
    }
    shownCells = shownNow;
    document.getElementById("counts").textContent = shownNow.length + " shown of " + allCells.length;
  }

  function badge(cell, cls, text) {
    const el = cell.querySelector(".badge." + cls);
    if (el) el.textContent = text;
  }

  function toggleBadge(cell, cls, wanted, text, title) {
    let el = cell.querySelector(".badge." + cls);
    if (wanted && !el) {
      el = document.createElement("span");
      el.className = "badge " + cls;
      el.textContent = text;
      cell.querySelector(".badges").prepend(el);
    } else if (!wanted && el) el.remove();
    if (el) el.title = title;
  }

  function keeperFirst(scene) {  // after K or Shift+P: the scene's keeper leads its frames again
    if (!scene) return;
    const members = allCells.filter((c) => c.dataset.scene === scene);
    const keeper = members.find((c) => c.dataset.keeper === "true");
    if (!keeper || members[0] === keeper) return;
    members[0].before(keeper);
    allCells = Array.from(grid.querySelectorAll(".cell"));
  }

  function updateCell(row) {
    const cell = grid.querySelector('.cell[data-id="' + row.id + '"]');
    if (!cell) return;
    cell.dataset.status = row.status;
    cell.dataset.verdict = row.verdict;
    cell.dataset.keeper = row.keeper ? "true" : "false";
    cell.dataset.culled = row.cull_suggested ? "true" : "false";
    cell.dataset.version = row.version;
    cell.dataset.rating = String(row.rating || 0);
    badge(cell, "status", row.status);
    badge(cell, "verdict", row.verdict);
    toggleBadge(cell, "keeper", !!(row.keeper && row.scene_id), "keeper", "");
    toggleBadge(cell, "cull", !!row.cull_suggested, "cull?", row.cull_reason || "");
    badge(cell, "stars", "★".repeat(row.rating || 0));
    cell.querySelector(".file").textContent = row.file_name || "";
    cell.querySelector(".caption").textContent = row.caption || "";
  }

  async function refreshAll() {
    const { status, data } = await call("GET", "/api/rows");
    if (status !== 200) return;
    data.rows.forEach(updateCell);
    layout();
  }

  function select(cell, quiet) {
    if (!cell) return;
    if (selected) selected.setAttribute("aria-selected", "false");
    selected = cell;
    cell.setAttribute("aria-selected", "true");
    cell.scrollIntoView({ block: "nearest" });
    zoomed = false;
    edited = false;
    loupeImg.classList.remove("zoomed");
    loupeImg.src = "/img/" + cell.dataset.id + "/preview";
    prefetch(cell);
    if (comparing) showCompare();
    if (!quiet) loadDetail();
  }

  // The next previews are fetched and decoded ahead (decode() off screen, kept referenced), so the
  // loupe's own <img> shows the next photo from the browser's caches: no network, little decode.
  const ahead = new Map();  // preview URL -> an <img> decoding or decoded; the most recent last
  function preview(url) {
    let image = ahead.get(url);
    if (image) ahead.delete(url);
    else {
      image = new Image();
      image.decoding = "async";
      image.src = url;
      image.decode().catch(() => {});  // a failed one is simply fetched again when shown
    }
    ahead.set(url, image);
    while (ahead.size > 16) ahead.delete(ahead.keys().next().value);
    return image;
  }

  function prefetch(cell) {
    const list = visible();
    const at = list.indexOf(cell);
    for (const step of [1, 2, 3, -1, -2, -3]) {  // the next and previous three, the next first
      const other = list[at + step];
      if (other) preview("/img/" + other.dataset.id + "/preview");
    }
  }

  function move(step) {
    const list = visible();
    if (!list.length) return;
    const at = selected ? list.indexOf(selected) : -1;
    const next = list[Math.max(0, Math.min(list.length - 1, at + step))];
    select(next);
  }

  function nextUnreviewed() {
    const list = cells().filter(matches);
    const at = selected ? list.indexOf(selected) : -1;
    const order = list.slice(at + 1).concat(list.slice(0, at + 1));
    const next = order.find((c) => c.dataset.status === "pending");
    if (!next) { say("no unreviewed (pending) photo left"); return; }
    if (next.hidden) { expanded.add(next.dataset.scene); layout(); }
    select(next);
  }

  // ---------------------------------------------------------------- loupe, compare, editor

  function setView(name) {
    document.body.dataset.view = name;
    loupe.hidden = name !== "loupe";
    grid.classList.toggle("strip", name === "loupe");
    if (selected) selected.scrollIntoView({ block: "nearest" });
  }

  function showCompare() {
    const scene = selected.dataset.scene;
    const keeper = scene && cells().find((c) => c.dataset.scene === scene && c.dataset.keeper === "true");
    compareImg.hidden = !comparing || !keeper;
    if (keeper) compareImg.src = "/img/" + keeper.dataset.id + "/preview";
  }

  function fillDefinitions(list, fields) {
    list.replaceChildren();
    for (const [name, value] of Object.entries(fields)) {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = Array.isArray(value) ? value.join(", ") : (value == null ? "" : String(value));
      list.append(dt, dd);
    }
  }

  function showFindings(verdict, findings) {
    document.getElementById("verdict").textContent = "proof: " + verdict;
    const list = document.getElementById("findings");
    list.replaceChildren();
    for (const finding of findings) {
      const item = document.createElement("li");
      item.textContent = finding.rule + ": " + finding.message;
      list.append(item);
    }
  }

  function showSpelling(unknown) {
    for (const box of document.querySelectorAll("[data-spell-for]")) {
      const words = (unknown || {})[box.dataset.spellFor] || [];
      const text = form.elements[box.dataset.spellFor].value;
      box.replaceChildren();
      if (!words.length) continue;
      const wanted = new Set(words);
      for (const part of text.split(/(\s+)/)) {
        const bare = part.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
        if (wanted.has(bare)) {
          const mark = document.createElement("mark");
          mark.textContent = part;
          mark.title = "not in the dictionary";
          box.append(mark);
        } else {
          box.append(document.createTextNode(part));
        }
      }
    }
  }

  function fillEditor(row) {
    detail = row;
    edited = false;
    document.getElementById("editor-title").textContent = row.key;
    form.elements.caption.value = row.caption || "";
    form.elements.alt_text.value = row.alt_text || "";
    form.elements.keywords.value = (row.keywords || []).join(", ");
    form.elements.file_name.value = row.file_name || "";
    showFindings(row.verdict, row.findings || []);
    showSpelling(row.unknown_words);
    const suggestion = row.pending_suggestion || {};
    document.getElementById("suggestion").hidden = !Object.keys(suggestion).length;
    const shown = {};
    for (const name of ["caption", "alt_text", "keywords", "file_name"]) if (name in suggestion) shown[name] = suggestion[name];
    fillDefinitions(document.getElementById("suggestion-fields"), shown);
    document.getElementById("conflict").hidden = true;
  }

  async function loadDetail() {
    const cell = selected;
    const { status, data } = await call("GET", "/api/rows/" + cell.dataset.id);
    if (status !== 200 || cell !== selected) return;
    if (edited) {  // typing began before the row arrived: keep what was typed, show the rest
      const typed = draft();
      fillEditor(data);
      for (const [name, value] of Object.entries(typed)) form.elements[name].value = value;
      edited = true;
      scheduleProof();
    } else fillEditor(data);
  }

  function draft() {
    return { caption: form.elements.caption.value, alt_text: form.elements.alt_text.value,
             keywords: form.elements.keywords.value, file_name: form.elements.file_name.value };
  }

  function scheduleProof() {
    clearTimeout(proofTimer);
    proofTimer = setTimeout(async () => {
      if (!selected) return;
      const { status, data } = await call("POST", "/api/rows/" + selected.dataset.id + "/proof", { fields: draft() });
      if (status === 200) { showFindings(data.verdict + " (draft, not saved)", data.findings); showSpelling(data.unknown_words); }
    }, 250);
  }

  // ---------------------------------------------------------------- actions

  // Writes go to the server one after another, each with the version the previous one left: a
  // quick P, X, Ctrl+S, G never races itself into a stale write. The cursor moves at once.
  let writes = Promise.resolve();
  function queued(work) {
    const next = writes.then(work, work);
    writes = next.catch(() => null);
    return next;
  }

  function act(action, body, after) {
    if (!selected) return Promise.resolve(null);
    const cell = selected;
    const typed = edited ? draft() : null;
    // auto-advance at once (the next key need not wait for the server); a refusal brings the
    // cursor back to the row it names, unless the photographer has moved on since
    let advancedTo = null;
    if (after) { after(); advancedTo = selected !== cell ? selected : null; }
    return queued(() => send(cell, action, body, typed, advancedTo));
  }

  async function send(cell, action, body, typed, advancedTo) {
    const payload = Object.assign({ version: cell.dataset.version }, body || {});
    const { status, data } = await call("POST", "/api/rows/" + cell.dataset.id + "/" + action, payload);
    if (data.row) updateCell(data.row);
    (data.scene || []).forEach(updateCell);
    if (data.row && (action === "keeper" || action === "scene")) { keeperFirst(cell.dataset.scene); layout(); }
    if (status !== 200 && advancedTo && selected === advancedTo) select(cell);
    if (status === 409) {
      say(data.message || data.error, true);
      if (cell !== selected) return null;
      if (action === "edit" || typed) showConflict(data.row, payload.fields || typed);
      else if (data.row) fillEditor(Object.assign({}, data.row, { unknown_words: {} }));
      return null;
    }
    say(data.message || data.error, status !== 200);
    if (status !== 200) return null;
    if (data.done || data.scene) await refreshAll();
    if (data.row && cell === selected) fillEditor(Object.assign({ unknown_words: detail && detail.unknown_words }, data.row));
    return data;
  }

  function showConflict(theirs, mine) {
    const box = document.getElementById("conflict");
    box.hidden = false;
    const pick = (row) => ({ caption: row.caption, alt_text: row.alt_text, keywords: row.keywords, file_name: row.file_name });
    fillDefinitions(document.getElementById("conflict-theirs"), pick(theirs));
    fillDefinitions(document.getElementById("conflict-mine"), mine);
    box.dataset.theirs = JSON.stringify(theirs);
  }

  function advance() {
    if (document.getElementById("auto-advance").checked) move(1);
  }

  function undo() {
    return queued(async () => {
      const { status, data } = await call("POST", "/api/undo", {});
      say(data.message || data.error, status !== 200);
      await refreshAll();
      if (selected) loadDetail();
    });
  }

  async function openPublish() {
    const dialog = document.getElementById("publish-dialog");
    const { data } = await call("GET", "/api/publish");
    document.getElementById("publish-state").textContent = data.can_publish
      ? "Publish " + data.approved + " approved photo(s) now?" : (data.why_not || "");
    document.getElementById("publish-confirm").disabled = !data.can_publish || data.running;
    document.getElementById("publish-result").textContent = data.result ? data.result.message : "";
    if (!dialog.open) dialog.showModal();
  }

  async function confirmPublish() {
    document.getElementById("publish-confirm").disabled = true;
    const { status, data } = await call("POST", "/api/publish", { confirm: true });
    if (status !== 202) { document.getElementById("publish-progress").textContent = data.error; return; }
    const progress = document.getElementById("publish-progress");
    const poll = async () => {
      const state = (await call("GET", "/api/publish")).data;
      if (state.running) { progress.textContent = "publishing… " + state.elapsed_s + " s"; setTimeout(poll, 400); return; }
      progress.textContent = state.result && state.result.error ? "publish failed" : "published";
      document.getElementById("publish-result").textContent = state.result ? state.result.message : "";
      await refreshAll();
    };
    poll();
  }

  // ---------------------------------------------------------------- keys

  function inField(event) {
    const target = event.target;
    return target instanceof HTMLElement && (target.matches("textarea, input:not([type=checkbox]), select"));
  }

  function keyOf(event) {  // event.key, else (a script's event with only a code) from event.code
    if (event.key) return event.key;
    const code = event.code || "";
    if (/^Key[A-Z]$/.test(code)) return event.shiftKey ? code.slice(3) : code.slice(3).toLowerCase();
    if (/^Digit[0-9]$/.test(code)) return code.slice(5);
    return code;
  }

  function leadsAScene(cell) {  // a keeper with frames behind it: Shift+P speaks for its whole scene
    const scene = cell && cell.dataset.scene;
    return !!scene && cell.dataset.keeper === "true" && allCells.some((c) => c !== cell && c.dataset.scene === scene);
  }

  function onKey(event) {
    if (event.defaultPrevented) return;
    const key = keyOf(event);
    const lower = key.toLowerCase();
    if (document.querySelector("dialog[open]")) return;  // a dialog answers its own keys (Esc closes it)
    if (event.target instanceof HTMLButtonElement && (key === "Enter" || key === " ")) return;  // the button's own
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && lower === "s") { event.preventDefault(); act("edit", { fields: draft() }); return; }
    if (inField(event)) {
      if (key === "Escape") { event.target.blur(); event.preventDefault(); }
      return;
    }
    if (ctrl && lower === "z") { event.preventDefault(); undo(); return; }
    if (ctrl || event.altKey) return;
    const handled = {
      arrowright: () => move(1), arrowleft: () => move(-1),
      enter: () => setView(document.body.dataset.view === "grid" ? "loupe" : "grid"),
      escape: () => setView("grid"),
      c: () => { comparing = !comparing; setView("loupe"); showCompare(); },
      z: () => { zoomed = !zoomed; loupeImg.src = "/img/" + selected.dataset.id + (zoomed ? "/original" : "/preview");
                 loupeImg.classList.toggle("zoomed", zoomed); setView("loupe"); },
      // P or p approves the row; Shift+P on a scene's keeper approves it and culls its frames
      p: () => (event.shiftKey && leadsAScene(selected) ? act("scene", {}, advance) : act("approve", {}, advance)),
      x: () => act("reject", {}, advance),
      u: () => act("pending"),
      k: () => act("keeper"),
      g: () => { say("Generate…"); act("generate"); },
      n: () => nextUnreviewed(),
      e: () => { setView("loupe"); form.elements.caption.focus(); },
      tab: () => { setView("loupe"); form.elements.caption.focus(); },
      "?": () => document.getElementById("help-dialog").showModal(),
    }[lower];
    if (/^[0-5]$/.test(key)) { event.preventDefault(); act("rate", { stars: Number(key) }); return; }
    if (!handled) return;
    if (!selected && lower !== "?") select(visible()[0], true);
    event.preventDefault();
    handled();
  }

  // ---------------------------------------------------------------- wiring

  // Keys from the keyboard bubble to the document; a script's event may also be dispatched on the
  // window, or on an element without bubbling (caught on its way down, in the capture phase).
  document.addEventListener("keydown", onKey);
  window.addEventListener("keydown", (event) => { if (event.target === window) onKey(event); });
  document.addEventListener("keydown", (event) => {
    if (!event.bubbles && event.target !== document) onKey(event);
  }, true);
  if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);
  grid.addEventListener("click", (event) => {
    const button = event.target.closest("button.frames");
    const cell = event.target.closest(".cell");
    if (button && cell) {
      const scene = cell.dataset.scene;
      if (expanded.has(scene)) expanded.delete(scene); else expanded.add(scene);
      layout();
      return;
    }
    if (cell) select(cell);
  });
  grid.addEventListener("dblclick", (event) => { if (event.target.closest(".cell")) setView("loupe"); });
  for (const control of document.querySelectorAll("[data-filter]")) {
    control.addEventListener("input", () => { filters[control.dataset.filter] = control.value.trim(); layout(); });
  }
  form.addEventListener("input", () => { edited = true; scheduleProof(); });
  form.addEventListener("submit", (event) => event.preventDefault());
  document.getElementById("save").addEventListener("click", () => act("edit", { fields: draft() }));
  document.getElementById("generate").addEventListener("click", () => act("generate"));
  document.getElementById("accept-suggestion").addEventListener("click", () => act("accept-suggestion"));
  document.getElementById("conflict-keep-mine").addEventListener("click", () => act("edit", { fields: draft() }));
  document.getElementById("conflict-take-theirs").addEventListener("click", () => {
    fillEditor(Object.assign({ unknown_words: {} }, JSON.parse(document.getElementById("conflict").dataset.theirs)));
  });
  document.getElementById("open-publish").addEventListener("click", openPublish);
  document.getElementById("publish-confirm").addEventListener("click", confirmPublish);
  document.getElementById("publish-close").addEventListener("click", () => document.getElementById("publish-dialog").close());
  document.getElementById("open-help").addEventListener("click", () => document.getElementById("help-dialog").showModal());
  document.getElementById("help-close").addEventListener("click", () => document.getElementById("help-dialog").close());

  layout();
  select(visible()[0], false);
})();

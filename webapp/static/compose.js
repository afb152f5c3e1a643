// The composer's live parts: the four previews while typing (the API's
// POST …/posts/preview, so they are what will be published), uploads with
// a progress bar (the API's resumable uploads), and TikTok's choices as
// its content sharing guidelines require. Without this file the form
// still works: "Pratinjau" asks the server for the same previews.
"use strict";

(function () {
  const form = document.getElementById("compose");
  if (!form) return;
  const words = JSON.parse(document.getElementById("compose-words").textContent || "{}");
  const ws = form.dataset.ws;
  const base = "/v1/workspaces/" + encodeURIComponent(ws);
  const previews = document.getElementById("previews");
  const filesInput = document.getElementById("files");
  const filesError = document.getElementById("files-error");
  const mediaList = document.getElementById("media-list");
  const submitError = document.getElementById("submit-error");
  // What the browser knows of each upload: its kind and a local picture
  // to show in the previews (the API's media have no public URL yet).
  const local = {};
  let busy = 0;

  function say(s, vars) {
    let out = words[s] || s;
    for (const k in vars || {}) out = out.split("{" + k + "}").join(vars[k]);
    return out;
  }
  function val(id) { return document.getElementById(id).value; }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // --- The post's body, as the server builds it from the form. ---
  function rupiah(s) {
    s = (s || "").trim().replace(/^rp/i, "").replace(/[.,\s\u00a0]/g, "");
    return /^\d+$/.test(s) ? Number(s) : null;
  }
  function mediaIDs() {
    return Array.from(form.querySelectorAll('input[name="media_id"]')).map(function (i) { return i.value; });
  }
  function tiktokOptions(id) {
    const q = function (what) { return document.getElementById("tt-" + what + "-" + id); };
    const o = {
      disable_comment: !q("comment").checked,
      disable_duet: !q("duet").checked,
      disable_stitch: !q("stitch").checked,
    };
    if (q("privacy").value) o.privacy_level = q("privacy").value;
    if (q("disclose").checked) {
      o.brand_organic_toggle = q("yours").checked;
      o.brand_content_toggle = q("branded").checked;
    }
    return o;
  }
  function body() {
    const product = {
      name: val("name").trim(),
      description: val("description"),
      url: val("url").trim(),
      whatsapp: val("whatsapp").trim(),
    };
    const price = rupiah(val("price"));
    if (price !== null) product.price = { amount: price, currency: "IDR" };
    const was = rupiah(val("compare_at_price"));
    if (was !== null) product.compare_at_price = { amount: was, currency: "IDR" };
    const b = { product, language: form.dataset.lang, targets: [] };
    const tags = val("hashtags").split(/[\s,]+/).filter(Boolean);
    if (tags.length) b.hashtags = tags;
    const ids = mediaIDs();
    if (ids.length) b.media = ids.map(function (id) { return { id }; });
    selectedAccounts().forEach(function (box) {
      const t = { account_id: box.value };
      if (box.dataset.platform === "tiktok" && document.getElementById("tiktok-" + box.value)) t.options = tiktokOptions(box.value);
      b.targets.push(t);
    });
    return b;
  }
  function selectedAccounts() {
    return Array.from(form.querySelectorAll('input[name="account"]:checked'));
  }

  // --- Previews. ---
  let timer = 0, asked = 0;
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(preview, 400);
  }
  async function preview() {
    const b = body();
    const n = ++asked;
    if (!b.product.name || b.targets.length === 0) {
      previews.replaceChildren(el("p", "muted", say("previews_empty")));
      return;
    }
    let answer;
    try {
      answer = await serentak.api("POST", base + "/posts/preview", b);
    } catch (e) {
      if (n !== asked) return;
      const box = el("div", "warn");
      box.append(el("p", "", e.message));
      const details = (e.api && e.api.details) || [];
      if (details.length) {
        const ul = el("ul");
        details.forEach(function (d) { ul.append(el("li", "", d.message)); });
        box.append(ul);
      }
      previews.replaceChildren(box);
      return;
    }
    if (n !== asked) return; // a newer preview is on its way
    const out = [];
    (answer.warnings || []).forEach(function (w) { out.push(el("p", "warn", w)); });
    answer.targets.forEach(function (t) { out.push(card(t)); });
    previews.replaceChildren.apply(previews, out);
  }
  function accountName(id) {
    const box = document.getElementById("acc-" + id);
    return box ? box.dataset.name : "";
  }
  function card(t) {
    const a = el("article", "pv pv-" + t.platform);
    a.dataset.account = t.account_id;
    const head = el("header", "pv-head");
    head.append(el("span", "pv-platform", say("platform_" + t.platform)), " ", el("strong", "pv-name", accountName(t.account_id)));
    a.append(head);
    const media = el("div", "pv-media");
    (t.media || []).forEach(function (m) {
      const known = local[m.id];
      if (known && known.kind === "image") {
        const img = el("img", "pv-pic");
        img.src = known.url;
        img.alt = say("kind_image") + " " + (m.index + 1);
        media.append(img);
      } else if (known && known.kind === "video") {
        const v = el("video", "pv-pic");
        v.src = known.url;
        v.muted = true;
        v.setAttribute("aria-label", say("kind_video") + " " + (m.index + 1));
        media.append(v);
      } else {
        media.append(el("span", "pv-item pv-" + m.kind, say("kind_" + m.kind) + " " + (m.index + 1)));
      }
    });
    if (!(t.media || []).length) media.append(el("span", "pv-none", say("no_media")));
    a.append(media);
    if (t.title) a.append(el("p", "pv-title", t.title));
    a.append(el("p", "pv-text", t.text));
    if (t.link) a.append(el("p", "pv-link", t.link));
    const list = function (items, cls, prefix) {
      if (!items || !items.length) return;
      const ul = el("ul", "pv-notes " + cls);
      items.forEach(function (s) { ul.append(el("li", "", (prefix ? prefix + " " : "") + s)); });
      a.append(ul);
    };
    list(t.shortened, "pv-short", say("shortened"));
    list(t.warnings, "warn");
    list((t.errors || []).map(function (e) { return e.message; }), "pv-errors");
    return a;
  }

  // --- Uploads: checked first (a video too long for a selected TikTok
  // account is refused before a byte is sent), then sent in pieces with
  // the API's resumable upload, each file with its progress bar. ---
  function duration(file) {
    return new Promise(function (resolve) {
      const v = document.createElement("video");
      const url = URL.createObjectURL(file);
      const done = function (d) { clearTimeout(t); URL.revokeObjectURL(url); resolve(d); };
      const t = setTimeout(function () { done(null); }, 5000);
      v.preload = "metadata";
      v.muted = true;
      v.onloadedmetadata = function () { done(isFinite(v.duration) ? v.duration : null); };
      v.onerror = function () { done(null); }; // not readable here: the API checks it
      v.src = url;
    });
  }
  function tiktokLimits() {
    return selectedAccounts().filter(function (b) { return b.dataset.platform === "tiktok"; }).map(function (b) {
      const fs = document.getElementById("tiktok-" + b.value);
      return fs ? { name: b.dataset.name, max: Number(fs.dataset.maxDuration) || 0 } : null;
    }).filter(function (x) { return x && x.max > 0; });
  }
  async function pick() {
    filesError.hidden = true;
    const files = Array.from(filesInput.files);
    filesInput.value = "";
    const refused = [];
    for (const f of files) {
      if (f.type.startsWith("video/")) {
        const d = await duration(f);
        const over = d === null ? null : tiktokLimits().find(function (l) { return d > l.max; });
        if (over) {
          refused.push(say("too_long", { len: Math.round(d), max: over.max, name: over.name }));
          continue;
        }
      }
      upload(f);
    }
    if (refused.length) {
      filesError.textContent = refused.join(" ");
      filesError.hidden = false;
    }
  }
  const piece = 4 << 20;
  function send(url, offset, blob, onProgress) {
    return new Promise(function (resolve, reject) {
      const x = new XMLHttpRequest();
      x.open("PATCH", "/app/api" + url);
      x.setRequestHeader("X-CSRF-Token", serentak.csrf());
      x.setRequestHeader("Content-Type", "application/offset+octet-stream");
      x.setRequestHeader("Upload-Offset", String(offset));
      x.setRequestHeader("Tus-Resumable", "1.0.0");
      x.setRequestHeader("Accept", "application/json");
      x.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded); };
      x.onload = function () {
        let data = null;
        try { data = x.responseText ? JSON.parse(x.responseText) : null; } catch (e) { /* not JSON */ }
        if (x.status >= 400) reject(new Error((data && data.error && data.error.message) || x.statusText));
        else resolve(data);
      };
      x.onerror = function () { reject(new Error(x.statusText || "network")); };
      x.send(blob);
    });
  }
  async function upload(file) {
    const li = el("li", "media-item uploading");
    const label = el("label", "", say("uploading") + " " + file.name);
    const bar = el("progress");
    bar.max = 100;
    bar.value = 0;
    const pid = "up-" + Math.random().toString(36).slice(2);
    bar.id = pid;
    label.htmlFor = pid;
    const pct = el("span", "pct", "0%");
    li.append(label, bar, pct);
    mediaList.append(li);
    busy++;
    const show = function (n) {
      const p = Math.min(100, Math.floor(n * 100 / file.size));
      bar.value = p;
      pct.textContent = p + "%";
    };
    try {
      const up = await serentak.api("POST", base + "/uploads", { size: file.size });
      const path = base + "/uploads/" + encodeURIComponent(up.id);
      let offset = 0, done = null;
      while (offset < file.size) {
        const end = Math.min(file.size, offset + piece);
        const from = offset;
        done = await send(path, offset, file.slice(offset, end), function (n) { show(from + n); });
        offset = end;
      }
      show(file.size);
      const media = done && done.media;
      if (!media) throw new Error(say("upload_failed"));
      local[media.id] = { kind: media.kind, url: URL.createObjectURL(file) };
      li.className = "media-item";
      li.dataset.id = media.id;
      li.dataset.kind = media.kind;
      label.textContent = say("uploaded") + " " + file.name;
      const hidden = el("input");
      hidden.type = "hidden";
      hidden.name = "media_id";
      hidden.value = media.id;
      const remove = el("button", "remove", say("remove"));
      remove.type = "button";
      remove.setAttribute("aria-label", say("remove") + " " + file.name);
      remove.addEventListener("click", function () { li.remove(); changed(); });
      li.append(hidden, remove);
    } catch (e) {
      li.className = "media-item failed";
      label.textContent = say("upload_failed") + " " + file.name + " — " + e.message;
    } finally {
      busy--;
      changed();
    }
  }

  // --- TikTok's choices. ---
  function photoPost() {
    const kinds = Array.from(mediaList.querySelectorAll(".media-item[data-kind]")).map(function (li) { return li.dataset.kind; });
    return kinds.length > 0 && kinds.indexOf("video") < 0;
  }
  function tiktok() {
    let branded = false;
    form.querySelectorAll("fieldset.tiktok").forEach(function (fs) {
      const id = fs.dataset.account;
      const box = document.getElementById("acc-" + id);
      fs.hidden = !(box && box.checked);
      const q = function (what) { return document.getElementById("tt-" + what + "-" + id); };
      // Duet and Stitch are not for photo posts.
      fs.querySelectorAll(".tt-video-only input").forEach(function (i) {
        if (i.dataset.creatorOff === undefined) i.dataset.creatorOff = i.disabled ? "1" : "";
        i.disabled = i.dataset.creatorOff === "1" || photoPost();
        if (i.disabled) i.checked = false;
      });
      const on = q("disclose").checked;
      fs.querySelector(".disclosure").hidden = !on;
      if (!on) { q("yours").checked = false; q("branded").checked = false; }
      // Branded content cannot be private.
      const self = q("privacy").querySelector('option[value="SELF_ONLY"]');
      if (self) self.disabled = q("branded").checked;
      q("branded").disabled = q("privacy").value === "SELF_ONLY";
      if (q("branded").disabled) q("branded").checked = false;
      fs.querySelector(".tt-private-note").hidden = !(q("branded").checked || q("privacy").value === "SELF_ONLY") || !on;
      const label = fs.querySelector(".tt-label");
      label.textContent = !on ? "" : q("branded").checked ? label.dataset.paid : q("yours").checked ? label.dataset.promo : label.dataset.none;
      if (!fs.hidden && q("branded").checked) branded = true;
    });
    const consent = form.querySelector(".tt-consent");
    if (consent) consent.textContent = branded ? consent.dataset.branded : consent.dataset.music;
  }
  // blocked is why the post cannot be scheduled yet, or "".
  function blocked() {
    if (busy > 0) return say("busy");
    for (const fs of form.querySelectorAll("fieldset.tiktok")) {
      if (fs.hidden) continue;
      const id = fs.dataset.account;
      if (!document.getElementById("tt-privacy-" + id).value) return say("need_privacy");
      if (document.getElementById("tt-disclose-" + id).checked && !document.getElementById("tt-yours-" + id).checked &&
          !document.getElementById("tt-branded-" + id).checked) return say("need_disclosure");
    }
    return "";
  }

  function changed() {
    tiktok();
    submitError.hidden = true;
    schedulePreview();
  }
  form.addEventListener("input", function (e) { if (e.target !== filesInput) changed(); });
  form.addEventListener("change", function (e) { if (e.target !== filesInput) changed(); });
  filesInput.addEventListener("change", pick);
  form.addEventListener("submit", function (e) {
    const action = e.submitter ? e.submitter.value : "";
    // A draft may be unfinished; what will be published may not.
    const unfinished = form.querySelector('input[name="status"]') && form.querySelector('input[name="status"]').value === "draft" && action === "save";
    const why = action === "draft" || action === "preview" || unfinished ? (busy > 0 ? say("busy") : "") : blocked();
    if (why) {
      e.preventDefault();
      submitError.textContent = why;
      submitError.hidden = false;
    }
  });
  // The live previews replace the button that asks for them.
  const again = form.querySelector(".preview-button");
  if (again) again.hidden = true;
  tiktok();
  preview();
})();

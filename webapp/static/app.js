// Serentak's web app: what must be live on a page (previews, uploads,
// drag to reschedule) calls the API through /app/api/ with the page's
// CSRF token. Every form also works without this file.
"use strict";

window.serentak = (function () {
  function csrf() {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  // api calls the REST API as the signed-in person: api("POST",
  // "/v1/workspaces/ws_…/posts/preview", body) → the parsed answer, or
  // throws an Error carrying the API's error object (err.api).
  async function api(method, path, body) {
    const init = { method, headers: { "Accept": "application/json", "X-CSRF-Token": csrf() }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch("/app/api" + path, init);
    if (res.status === 204) return null;
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const e = new Error((data && data.error && data.error.message) || res.statusText);
      e.status = res.status;
      e.api = data && data.error;
      throw e;
    }
    return data;
  }
  // Mark the main menu's link to the page being shown.
  document.addEventListener("DOMContentLoaded", function () {
    const here = location.pathname;
    let best = null;
    const section = here.split("/")[3] || "";
    document.querySelectorAll(".main-nav a").forEach(function (a) {
      const p = new URL(a.href).pathname;
      // The workspace's home (/w/ws) is a prefix of every page: it is
      // current only itself. A link may also stand for other sections
      // (data-sections: "Lainnya" for the pages it lists).
      const home = p.split("/").length === 3;
      const also = (a.dataset.sections || "").split(" ").indexOf(section) >= 0;
      if (also || ((here === p || (!home && here.startsWith(p + "/"))) && (!best || p.length > new URL(best.href).pathname.length))) best = a;
    });
    if (best) best.setAttribute("aria-current", "page");
  });
  return { api, csrf };
})();

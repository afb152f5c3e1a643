// The post's page while a delivery is on its way: ask the API every few
// seconds and reload the page when a delivery's status has changed, so
// the outcome (published with its link, or what went wrong) appears by
// itself. Without this script, <noscript> refreshes the page.
"use strict";

(function () {
  const post = document.getElementById("post");
  if (!post) return;
  // A post belongs to the calendar: the main menu says so (after app.js
  // has marked the longest matching link, the dashboard's).
  document.addEventListener("DOMContentLoaded", function () {
    const cal = document.querySelector('.main-nav a[href$="/calendar"]');
    if (!cal) return;
    document.querySelectorAll('.main-nav a[aria-current="page"]').forEach(function (a) { a.removeAttribute("aria-current"); });
    cal.setAttribute("aria-current", "page");
  });
  // A scheduled post not yet due is watched from shortly before its time.
  let wait = 3000;
  if (post.dataset.watch !== "true") {
    if (post.dataset.status !== "scheduled") return;
    wait = Date.parse(post.dataset.due) - Date.now() - 30000;
    if (!(wait < 24 * 3600 * 1000)) return;
    wait = Math.max(wait, 3000);
  }
  function signature(p) {
    return p.status + "|" + p.deliveries.map(function (d) { return d.id + ":" + d.status; }).join(",");
  }
  const seen = post.dataset.status + "|" + Array.from(post.querySelectorAll("[data-delivery]")).map(function (li) {
    const st = Array.from(li.classList).find(function (c) { return c.startsWith("st-"); });
    return li.dataset.delivery + ":" + (st ? st.slice(3) : "");
  }).join(",");
  let tries = 0;
  async function check() {
    tries++;
    try {
      const p = await serentak.api("GET", "/v1/workspaces/" + post.dataset.ws + "/posts/" + post.dataset.post);
      if (signature(p) !== seen) {
        location.reload();
        return;
      }
    } catch (err) {
      // A failed check is tried again at the next tick.
    }
    // Every 3 s for the first minutes, then every 15 s.
    setTimeout(check, tries < 60 ? 3000 : 15000);
  }
  setTimeout(check, wait);
})();

// The calendar's drag to reschedule: a post that can still move is
// dragged to another day, keeping its time of day, and the API is asked
// to move it (PATCH …/posts/{id}, scheduled_at). A mouse drags with HTML5
// drag and drop; a finger drags an entry by its grip (pointer events).
// Without this script every entry links to the post's page, whose form
// reschedules it.
"use strict";

(function () {
  const cal = document.querySelector(".cal[data-ws]");
  if (!cal) return;
  const status = document.getElementById("cal-status");
  let dragged = null;

  function say(text, ok) {
    status.textContent = text;
    status.className = "cal-status " + (ok ? "ok" : "bad");
  }

  function clearOver() {
    cal.querySelectorAll(".day.over").forEach(function (d) { d.classList.remove("over"); });
  }

  // move asks the API to put entry on day at the same time of day, in
  // the workspace's timezone (the day carries its zone offset).
  async function move(entry, day) {
    clearOver();
    if (!entry || !day || entry.closest(".day") === day) return;
    const at = day.dataset.date + "T" + entry.dataset.clock + ":00" + day.dataset.offset;
    entry.classList.add("moving");
    try {
      await serentak.api("PATCH", "/v1/workspaces/" + cal.dataset.ws + "/posts/" + entry.dataset.post, { scheduled_at: at });
      const from = entry.closest(".day");
      const list = day.querySelector(".entries");
      // Keep the day's entries in time order.
      const after = Array.from(list.children).find(function (e) {
        const t = e.querySelector("time");
        return t && t.dateTime > at;
      });
      list.insertBefore(entry, after || null);
      day.classList.remove("empty");
      if (from && !from.querySelector(".entry")) from.classList.add("empty");
      const t = entry.querySelector("time");
      if (t) t.dateTime = new Date(at).toISOString();
      say(cal.dataset.moved.replace("%s", entry.querySelector(".name").textContent).replace("%s", day.querySelector(".day-head").textContent.trim()), true);
    } catch (err) {
      say(cal.dataset.failed + " " + err.message, false);
    } finally {
      entry.classList.remove("moving");
    }
  }

  // Mouse: HTML5 drag and drop.
  cal.addEventListener("dragstart", function (e) {
    const entry = e.target.closest && e.target.closest(".entry[draggable=true]");
    if (!entry) return;
    dragged = entry;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", entry.dataset.post);
  });
  cal.addEventListener("dragover", function (e) {
    const day = dragged && e.target.closest(".day");
    if (!day) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    if (!day.classList.contains("over")) {
      clearOver();
      day.classList.add("over");
    }
  });
  cal.addEventListener("dragleave", function (e) {
    if (e.target.classList && e.target.classList.contains("day") && !e.target.contains(e.relatedTarget)) e.target.classList.remove("over");
  });
  cal.addEventListener("drop", function (e) {
    const day = e.target.closest(".day");
    if (!dragged || !day) return;
    e.preventDefault();
    const entry = dragged;
    dragged = null;
    move(entry, day);
  });
  cal.addEventListener("dragend", function () { dragged = null; clearOver(); });

  // Touch and pen: drag the entry by its grip.
  let touch = null;
  cal.addEventListener("pointerdown", function (e) {
    const grip = e.target.closest(".grip");
    if (!grip || e.pointerType === "mouse") return;
    const entry = grip.closest(".entry[draggable=true]");
    if (!entry) return;
    e.preventDefault();
    try { grip.setPointerCapture(e.pointerId); } catch (err) { /* a pointer the page did not see start */ }
    touch = { entry: entry, id: e.pointerId };
    entry.classList.add("lifted");
  });
  cal.addEventListener("pointermove", function (e) {
    if (!touch || e.pointerId !== touch.id) return;
    const under = document.elementFromPoint(e.clientX, e.clientY);
    const day = under && under.closest(".day");
    clearOver();
    if (day) day.classList.add("over");
  });
  function endTouch(e, drop) {
    if (!touch || e.pointerId !== touch.id) return;
    const entry = touch.entry;
    touch = null;
    entry.classList.remove("lifted");
    const under = drop && document.elementFromPoint(e.clientX, e.clientY);
    const day = under && under.closest(".day");
    if (day) move(entry, day); else clearOver();
  }
  cal.addEventListener("pointerup", function (e) { endTouch(e, true); });
  cal.addEventListener("pointercancel", function (e) { endTouch(e, false); });
})();

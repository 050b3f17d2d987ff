// Browser notifications while a studio page is open: the header's badge is refreshed every 30 seconds
// (only while the page is visible) and, once the person allowed it, each new notification pops up.
// No inline handlers and no eval: the Content-Security-Policy forbids both.
"use strict";

(() => {
  const POLL_MS = 30000;
  let latest = 0;

  function badge() {
    return document.getElementById("notification-badge");
  }

  function showCount(count) {
    const link = badge();
    if (!link) return;
    let counter = link.querySelector(".badge");
    if (!count) {
      if (counter) counter.remove();
      return;
    }
    if (!counter) {
      counter = document.createElement("span");
      counter.className = "badge";
      link.append(" ", counter);
    }
    counter.textContent = String(count);
  }

  function canNotify() {
    return "Notification" in window && Notification.permission === "granted";
  }

  async function poll() {
    const link = badge();
    if (!link || document.hidden) return;
    try {
      const response = await fetch(`${link.dataset.feedUrl}?after=${latest}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const feed = await response.json();
      showCount(feed.unread);
      if (latest && canNotify()) {
        feed.items.forEach((item) => {
          const popup = new Notification(document.title.split(" · ").pop(), { body: item.text, tag: `aitre-${item.id}` });
          if (item.url && item.url.startsWith("/")) {
            popup.addEventListener("click", () => { window.focus(); window.location.assign(item.url); });
          }
        });
      }
      latest = feed.latest;
    } catch (_error) {
      // Offline for a moment: the next poll tries again.
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-enable-browser-notifications]");
    if (!button || !("Notification" in window)) return;
    Notification.requestPermission().then(() => { button.hidden = true; });
  });

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.querySelector("[data-enable-browser-notifications]");
    if (button && "Notification" in window && Notification.permission === "default") button.hidden = false;
    if (!badge()) return;
    poll();
    setInterval(poll, POLL_MS);
  });
})();

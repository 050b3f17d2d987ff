// Small progressive enhancements. No inline handlers anywhere: the Content-Security-Policy forbids them.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  navigator.clipboard?.writeText(field.value).then(
    () => { button.textContent = button.dataset.copied || "Copied"; },
    () => { document.execCommand("copy"); },
  );
});

// Close an open <details> menu when the user clicks elsewhere or presses Escape.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.menu[open]").forEach((menu) => menu.removeAttribute("open"));
});

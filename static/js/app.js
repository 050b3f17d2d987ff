// Small progressive enhancements. No inline handlers anywhere: the Content-Security-Policy forbids them.
"use strict";

function t(name, fallback) {
  const strings = document.getElementById("js-strings");
  return (strings && strings.dataset[name]) || fallback;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  navigator.clipboard?.writeText(field.value).then(
    () => { button.textContent = t("copied", "Copied"); },
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

// Elapsed time on in-flight task cards ticks every second without asking the server.
// The patterns are the server's own translated ones (the `duration` filter's), e.g. "%(m)d min %(s)02d s".
function fillDuration(pattern, values) {
  return pattern.replace(/%\((\w)\)(02)?d/g, (_match, name, pad) =>
    pad ? String(values[name]).padStart(2, "0") : String(values[name]));
}
function formatElapsed(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return fillDuration(t("durationSeconds", "%(s)d s"), { s: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return fillDuration(t("durationMinutes", "%(m)d min %(s)02d s"), { m: minutes, s: seconds % 60 });
  }
  return fillDuration(t("durationHours", "%(h)d h %(m)02d min"), { h: Math.floor(minutes / 60), m: minutes % 60 });
}
setInterval(() => {
  const now = Date.now();
  document.querySelectorAll("[data-elapsed-since]").forEach((element) => {
    element.textContent = formatElapsed(now - Number(element.dataset.elapsedSince));
  });
}, 1000);

// Midjourney "Vary (Region)": draw the rectangle to repaint on the result; it is sent as a PNG mask
// (white = repaint) the size of the image.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const button = form.querySelector("[data-needs-mask]");
  if (!button || form.querySelector("input[name=mask]").value) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  const card = form.closest("article");
  const image = card && card.querySelector(".result-image img");
  if (!image) return;
  openMaskEditor(image, (dataUrl) => {
    form.querySelector("input[name=mask]").value = dataUrl;
    form.requestSubmit(button);
  });
}, true);

function openMaskEditor(image, done) {
  const overlay = document.createElement("div");
  overlay.className = "mask-editor";
  overlay.setAttribute("role", "dialog");
  overlay.setAttribute("aria-label", t("maskTitle", "Draw the region to vary"));
  const body = document.createElement("div");
  body.className = "mask-editor-body";
  const hint = document.createElement("p");
  hint.textContent = t("maskHint", "Drag over the part of the image to repaint.");
  const canvas = document.createElement("canvas");
  const source = new Image();
  source.src = image.closest("a").href;
  const actions = document.createElement("div");
  actions.className = "actions";
  const apply = document.createElement("button");
  apply.type = "button";
  apply.textContent = t("maskApply", "Vary this region");
  apply.disabled = true;
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "secondary";
  cancel.textContent = t("maskCancel", "Cancel");
  actions.append(apply, cancel);
  body.append(hint, canvas, actions);
  overlay.append(body);
  document.body.append(overlay);
  let start = null;
  let rect = null;
  const context = canvas.getContext("2d");
  function draw() {
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    if (!rect) return;
    context.fillStyle = "rgba(255, 80, 80, 0.45)";
    context.fillRect(rect.x, rect.y, rect.w, rect.h);
  }
  source.onload = () => {
    canvas.width = source.naturalWidth;
    canvas.height = source.naturalHeight;
    draw();
  };
  function point(event) {
    const box = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * canvas.width,
      y: ((event.clientY - box.top) / box.height) * canvas.height,
    };
  }
  canvas.addEventListener("pointerdown", (event) => { start = point(event); canvas.setPointerCapture(event.pointerId); });
  canvas.addEventListener("pointermove", (event) => {
    if (!start) return;
    const here = point(event);
    rect = { x: Math.min(start.x, here.x), y: Math.min(start.y, here.y), w: Math.abs(here.x - start.x), h: Math.abs(here.y - start.y) };
    draw();
  });
  canvas.addEventListener("pointerup", () => { start = null; apply.disabled = !(rect && rect.w > 2 && rect.h > 2); });
  cancel.addEventListener("click", () => overlay.remove());
  apply.addEventListener("click", () => {
    const mask = document.createElement("canvas");
    mask.width = canvas.width;
    mask.height = canvas.height;
    const maskContext = mask.getContext("2d");
    maskContext.fillStyle = "#000";
    maskContext.fillRect(0, 0, mask.width, mask.height);
    maskContext.fillStyle = "#fff";
    maskContext.fillRect(rect.x, rect.y, rect.w, rect.h);
    overlay.remove();
    done(mask.toDataURL("image/png"));
  });
}

// Forms that make several kinds (image, video via chat, audio, text) have a mode select: show only the
// fields of the chosen mode (fields say theirs in data-modes) and suggest the models that fit it. A model
// the person typed is kept; the previous mode's default is swapped for the new one's.
function applyMode(select, isChange) {
  const form = select.form;
  if (!form) return;
  const mode = select.value;
  form.querySelectorAll("[data-modes]").forEach((input) => {
    const field = input.closest(".field");
    if (field) field.hidden = !input.dataset.modes.split(" ").includes(mode);
  });
  const list = form.querySelector(`datalist[data-mode="${mode}"]`);
  const model = form.querySelector("input[list]");
  if (!list || !model) return;
  const previous = form.querySelector(`datalist[id="${model.getAttribute("list")}"]`);
  model.setAttribute("list", list.id);
  if (isChange && (!model.value || (previous && model.value === previous.dataset.default))) {
    model.value = list.dataset.default;
  }
  checkModel(model);
}
// A typed model the gateway's list does not have for this kind is still sent, with a warning beside it.
function checkModel(model) {
  const warning = model.form && model.form.querySelector("[data-unknown-model]");
  if (!warning) return;
  const list = document.getElementById(model.getAttribute("list"));
  const value = model.value.trim();
  warning.hidden = !value || !list || Array.from(list.options).some((option) => option.value === value);
}
document.addEventListener("input", (event) => {
  if (event.target.matches && event.target.matches("input[list]")) checkModel(event.target);
});
function applyModes(root) {
  root.querySelectorAll("select[data-mode-switch]").forEach((select) => applyMode(select, false));
}
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("select[data-mode-switch]")) applyMode(event.target, true);
});
document.addEventListener("htmx:load", (event) => applyModes(event.detail.elt));
document.addEventListener("DOMContentLoaded", () => applyModes(document));
